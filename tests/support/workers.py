"""Real Celery worker processes for the tests, on the broker of the test run: Redis when
REDIS_URL is set, otherwise the embedded filesystem broker."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from basketops.celery import app
from tests.support.processes import ROOT, child_env


def broker_flush() -> None:
    """Forget task messages an earlier test left in the broker (queue and unacked set).

    Only those: the remote-control bindings stay, as this process has them cached."""
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(
            "celery", "unacked", "unacked_index"
        )
        return
    queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    for message in queue.glob("*.msg"):
        message.unlink(missing_ok=True)


def worker_start(name: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "basketops",
            "worker",
            "--concurrency",
            "1",
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=child_env(**env),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def workers_ready(count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise AssertionError(f"{count} workers did not answer within {timeout:.0f} s")


def worker_stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def celery_workers(count: int, *, flush: bool = True, **env: str):
    """``count`` worker processes; ``flush=False`` keeps the tasks already queued (the test
    flushed before queueing them itself)."""
    if flush:
        broker_flush()
    processes = [worker_start(f"w{index}", **env) for index in range(count)]
    try:
        workers_ready(count)
        yield processes
    finally:
        for process in processes:
            worker_stop(process)


def wait_until(condition, *, timeout: float, poll: float = 0.5, message: str = "") -> None:
    """Poll a condition that real worker processes make true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(message or "condition not met in time")
