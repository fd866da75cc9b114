"""The first README command's product on embedded defaults: its own PostgreSQL, no Redis.

``run_product`` starts the embedded PostgreSQL, web, worker and scheduler, and on Ctrl-C
stops every one of them, every time, well within 30 s.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import ROOT

EMBEDDED_ONLY = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
STOP_LIMIT_SECONDS = 30

pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir():
    """A folder of its own under /tmp, not pytest's: pytest keeps its own temporary root
    owner-only, which the embedded server's user (not root) could then not enter."""
    folder = Path(tempfile.mkdtemp(prefix="basketops-embedded-"))
    yield folder / "var"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def embedded_env(data_dir) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in EMBEDDED_ONLY}
    env.update(BASKETOPS_DATA_DIR=str(data_dir), SECRET_KEY="embedded-test-key", DEBUG="false")
    return env


def manage(env, *args, timeout=180):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def product_start(env, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable, "manage.py", "run_product", "--bind", f"127.0.0.1:{port}",
            "--web-workers", "1", "--worker-concurrency", "1", *extra,
        ],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def admin_login_answers(port: int, product: subprocess.Popen, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert product.poll() is None, product.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2) as r:
                assert r.status == 200
                return r.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError("/admin/login/ did not answer")


def product_processes(data_dir: Path) -> list[int]:
    """Every process of this product still alive: those carrying its data folder in their
    environment (web, worker, scheduler and their children) or command line (PostgreSQL)."""
    marker = f"BASKETOPS_DATA_DIR={data_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z":
            continue
        if marker in environ or str(data_dir).encode() in cmdline:
            found.append(int(proc.name))
    return found


def stop(product: subprocess.Popen) -> tuple[float, str]:
    """Ctrl-C, as a terminal sends it; returns the seconds until the command ended."""
    started = time.monotonic()
    product.send_signal(signal.SIGINT)
    output, _ = product.communicate(timeout=STOP_LIMIT_SECONDS + 30)
    return time.monotonic() - started, output


def test_embedded_product_serves_admin_runs_tasks_and_leaves_nothing(embedded_env, data_dir):
    # given no DATABASE_URL and no broker URL, when the product is prepared and started
    port = free_port()
    product = product_start(embedded_env, port, "--prepare", "--demo-baskets", "50")
    try:
        body = admin_login_answers(port, product)
        assert "Django administration" in body or "Basket Ops" in body

        # then the embedded PostgreSQL answers, with the trigram extension, and holds the data
        query = manage(
            embedded_env, "shell", "-c",
            "from django.db import connection; c = connection.cursor(); "
            "c.execute('SHOW server_version'); print(c.fetchone()[0]); "
            "c.execute(\"SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'\"); "
            "print(c.fetchone()[0]); "
            "from baskets.models import Basket; print(Basket.objects.count())",
        )
        assert query.returncode == 0, query.stderr
        version, trigram, baskets = query.stdout.split()[-3:]
        assert int(version.split(".")[0]) >= 16
        assert (int(trigram), int(baskets)) == (1, 50)

        # and a worker runs a task sent through the filesystem broker
        ping = manage(embedded_env, "ping_worker", "--timeout", "60", timeout=90)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "ran the task" in ping.stdout
    finally:
        seconds, output = stop(product)

    assert product.returncode == 0, output
    assert seconds < STOP_LIMIT_SECONDS, output
    assert "embedded PostgreSQL stopped" in output
    assert product_processes(data_dir) == []
    # Everything the embedded broker writes stays under the data folder.
    assert not (ROOT / "control").exists()
    assert (data_dir / "broker" / "control").is_dir()


def test_ctrl_c_stops_everything_five_times_in_a_row(embedded_env, data_dir):
    """Each start brings up PostgreSQL, web, worker and scheduler; each Ctrl-C ends all of
    them within 30 s and no process of the product is left."""
    for attempt in range(5):
        port = free_port()
        # The first start migrates (a no-op when the test above ran first).
        prepare = ("--prepare", "--demo-baskets", "0") if attempt == 0 else ()
        product = product_start(embedded_env, port, *prepare)
        try:
            admin_login_answers(port, product)
        finally:
            seconds, output = stop(product)
        assert product.returncode == 0, f"attempt {attempt}: {output}"
        assert seconds < STOP_LIMIT_SECONDS, f"attempt {attempt}: {seconds:.1f} s\n{output}"
        assert product_processes(data_dir) == [], f"attempt {attempt}: {output}"
    # Every stop shut PostgreSQL down cleanly: no start had to recover from a crash.
    server_log = (data_dir / "postgres" / "server.log").read_text()
    assert server_log.count("database system is shut down") >= 5
    assert "not properly shut down" not in server_log
