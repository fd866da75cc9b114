"""Real server processes for the operations tests: gunicorn, a throwaway redis-server."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.processes import ROOT, child_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not start within {timeout:.0f} s")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def gunicorn_running(tmp_path: Path, *, workers: int = 2, **env: str):
    """gunicorn with the project's gunicorn.conf.py; yields (base URL, log file)."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir(exist_ok=True)
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "basketops.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=child_env(PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(f"{base}/healthz"), timeout=30, what="gunicorn")
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@contextmanager
def redis_server_running(port: int | None = None):
    """A redis-server of the test's own on another port; yields its port and a restart."""
    port = port or free_port()

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _port_open(port), timeout=10, what="redis-server")
        return process

    server = {"process": start()}

    def stop() -> None:
        server["process"].terminate()
        server["process"].wait(timeout=10)

    def restart() -> None:
        server["process"] = start()

    try:
        yield port, stop, restart
    finally:
        if server["process"].poll() is None:
            stop()


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
