"""Helpers for tests that start real processes (manage.py commands, Celery workers)."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def child_database_url() -> str:
    """The URL of the database pytest-django made, for processes the tests start (a Unix
    socket folder as host is quoted, as libpq's URLs allow)."""
    database = settings.DATABASES["default"]
    user = database.get("USER") or "postgres"
    host = quote(str(database.get("HOST") or "127.0.0.1"), safe="")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{user}@{host}{port}/{database['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = child_database_url()
    env.update(extra)
    return env


def run_manage(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def race(module: str, argument_lists: list[list[str]], *, head_start: float = 3.0):
    """Start one ``python -m <module> <first argument> START_AT <other arguments>`` process
    per argument list, all told to begin at the same moment, and return each one's
    "<basket id> <outcome>" lines as a dict."""
    start_at = f"{time.time() + head_start:.3f}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module, *arguments[:1], start_at, *arguments[1:]],
            cwd=ROOT,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arguments in argument_lists
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(
            {int(pk): outcome for pk, outcome in (line.split() for line in out.splitlines())}
        )
    return results
