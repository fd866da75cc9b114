"""The first README command's processes start on embedded defaults: SQLite, no Redis."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.processes import ROOT

EMBEDDED_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def embedded_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in EMBEDDED_ONLY}
    env.update(
        BASKETOPS_DATA_DIR=str(tmp_path / "var"), SECRET_KEY="embedded-test-key", DEBUG="false"
    )
    return env


def manage(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_embedded_product_serves_admin_and_runs_tasks(embedded_env, tmp_path):
    for step in (
        ["migrate", "--no-input"],
        ["collectstatic", "--no-input"],
        ["seed_demo", "--baskets", "50"],
        ["ensure_staff"],
    ):
        result = manage(embedded_env, *step)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "basketops.sqlite3").exists()

    port = free_port()
    product = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_product",
            "--bind",
            f"127.0.0.1:{port}",
            "--web-workers",
            "1",
            "--worker-concurrency",
            "1",
        ],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, body = None, ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/admin/login/", timeout=2
                ) as r:
                    status, body = r.status, r.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200
        assert "Django administration" in body or "Basket Ops" in body

        ping = manage(embedded_env, "ping_worker", "--timeout", "60", timeout=90)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "ran the task" in ping.stdout
    finally:
        product.send_signal(signal.SIGTERM)
        output, _ = product.communicate(timeout=60)
    assert product.returncode == 0, output
    assert "started scheduler" in output
    # Everything the embedded broker writes stays under the data folder.
    assert not (ROOT / "control").exists()
    assert (tmp_path / "var" / "broker" / "control").is_dir()


def test_embedded_completion_runs_on_sqlite(embedded_env):
    """SPEC: CB-3 CB-4 — the completion engine's portable path, on the embedded SQLite."""
    for step in (["migrate", "--no-input"], ["seed_demo", "--baskets", "400"]):
        result = manage(embedded_env, *step)
        assert result.returncode == 0, result.stderr
    count = [
        "shell", "-c",
        "from baskets.models import Basket, Order; "
        "print(Basket.objects.filter(status='awaiting_completion').count(), Order.objects.count())",
    ]
    waiting, orders = map(int, manage(embedded_env, *count).stdout.split()[-2:])
    assert waiting > 0
    run = manage(embedded_env, "completion_run", "--until-empty")
    assert run.returncode == 0, run.stderr
    completed = int(run.stdout.split("completed ")[1].split(",")[0])
    gave_up = int(run.stdout.split("gave_up ")[1].split(",")[0])
    assert completed + gave_up == waiting and completed > 0
    left, orders_after = map(int, manage(embedded_env, *count).stdout.split()[-2:])
    assert (left, orders_after) == (0, orders + completed)
