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


def broker_depth(queue: str = "celery") -> int:
    """Task messages waiting in ``queue``, read from the broker's own storage (a Redis list,
    or one file per message in the filesystem broker's folder)."""
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(queue)
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return len(list(folder.glob(f"*.{queue}.msg")))


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


def workers_ready(
    count: int, processes: list[subprocess.Popen] = (), *, give_up_after: float = 300
) -> None:
    """Wait until ``count`` workers have answered a ping: a worker that answers consumes
    from the broker, which is what every worker test needs.

    On a busy machine a worker starts and answers slowly, so each ping waits longer than the
    one before (1 s up to 10 s) and a worker that answered once is counted from then on. A
    worker process in ``processes`` that exits fails the wait at once, with its error output;
    ``give_up_after`` only keeps a broken set-up from hanging the run."""
    answered: set[str] = set()
    reply_wait = 1.0
    deadline = time.monotonic() + give_up_after
    while len(answered) < count:
        for process in processes:
            if process.poll() is not None:
                error = process.stderr.read() if process.stderr else ""
                raise AssertionError(
                    f"a worker exited with {process.returncode} before answering:\n{error}"
                )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{count} workers did not answer within {give_up_after:.0f} s "
                f"(answered: {sorted(answered)}); broker {settings.CELERY_BROKER_URL}"
            )
        for reply in app.control.ping(timeout=reply_wait, limit=count) or []:
            answered.update(reply)
        reply_wait = min(reply_wait * 2, 10.0)


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
        workers_ready(count, processes)
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
