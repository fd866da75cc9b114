"""Helpers every workload shares: the safety check, the staff login, child processes."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection

from .database import MARKER, ROOT

BENCH_USER = "bench-admin"


def bench_database_check() -> None:
    """The workloads write freely: refuse unless connected to a database the bench made."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        marker = cursor.fetchone()[0]
    if marker != MARKER:
        raise CommandError("bench --inside runs only in a database made by manage.py bench.")


def staff_ensure() -> dict:
    """A superuser for the admin workloads and, for the polling workload, the token of a
    Storefront API client (the caller that reads whole baskets), made as the product makes
    one (``manage.py api_client_create``)."""
    from baskets.services.api_clients import api_client_create

    user = get_user_model().objects.create_superuser(
        username=BENCH_USER, email="bench@example.com", password=None
    )
    key = api_client_create(name="bench-storefront", role="storefront")
    return {"staff_user_id": user.pk, "api_token": key}


def staff_user():
    return get_user_model().objects.get(username=BENCH_USER)


def execute(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def vacuum(*tables: str) -> None:
    """Dead rows left by one variant must not slow the next: vacuum between them."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def probe_run(name: str, args: dict, *, timeout: float = 3600) -> dict:
    """Run ``benchmarks.probe <name>`` in a fresh process; returns its JSON answer.

    A fresh process per measurement makes its peak memory the measurement's own.
    """
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.probe", name, json.dumps(args)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"probe {name} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def probe_rate(
    name: str, args: dict, answers: list[dict], *, rows: int | None = None
) -> Callable[[], float]:
    """A variant for ``alternate``: probe ``name`` in a fresh process, its answer kept in
    ``answers``, measured in rows per second (the rows checked when ``rows`` is given)."""

    def call() -> float:
        answer = probe_run(name, args)
        if rows is not None and answer["rows"] != rows:
            raise RuntimeError(f"{name} wrote {answer['rows']} rows, expected {rows}")
        answers.append(answer)
        return answer["rows"] / answer["seconds"]

    return call
