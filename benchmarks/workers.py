"""Real Celery worker processes for the workloads that measure the way through the queue.

Each worker runs one task at a time (``--concurrency 1``) in the bench database, on the
broker and queue of the bench process (``CELERY_QUEUE``, which the bench sets to a queue
of its own, so a development worker on the same broker never takes the bench's tasks).
No scheduler runs: whatever a worker does was asked for by a commit.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

from .database import ROOT


def worker_start(name: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "basketops", "worker", "--concurrency", "1",
         "--hostname", f"{name}@%h", "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def workers_ready(processes: list[subprocess.Popen], *, give_up_after: float = 180) -> None:
    """Wait until every worker answered a ping (then it consumes from the queue)."""
    from basketops.celery import app

    answered: set[str] = set()
    deadline = time.monotonic() + give_up_after
    while len(answered) < len(processes):
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a worker exited before answering:\n{process.stderr.read()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(processes)} workers did not answer in {give_up_after} s")
        for reply in app.control.ping(timeout=2.0, limit=len(processes)) or []:
            answered.update(reply)


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def celery_workers(count: int, **env: str):
    processes = [worker_start(f"bench{index}-{os.getpid()}", **env) for index in range(count)]
    try:
        workers_ready(processes)
        yield processes
    finally:
        for process in processes:
            worker_stop(process)
