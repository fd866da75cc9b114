"""Real Celery worker processes, started, awaited and stopped one way for the bench and the
tests (``tests/support/workers.py`` wraps this module with the test run's database).

Each worker runs one task at a time (``--concurrency 1``) in a session of its own, so a stop
reaches its whole process group. It starts no scheduler: whatever a worker does was
asked for by its caller.

For the bench, the workers run in the bench database, on the broker and queue of the bench
process (``CELERY_QUEUE``, which the bench sets to a queue of its own, so a development
worker on the same broker never takes the bench's tasks).
"""

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from basketops.celery import app

from .database import ROOT


class WorkersNotReady(RuntimeError):
    """The workers did not answer in time."""


class WorkerExited(WorkersNotReady):
    """A worker process exited before it answered."""


def worker_start(name: str, env: dict[str, str]) -> subprocess.Popen:
    """A worker process called ``name@<host>``, with exactly ``env`` as its environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "basketops", "worker", "--concurrency", "1",
         "--hostname", f"{name}@%h", "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def workers_ready(
    count: int, processes: Sequence[subprocess.Popen] = (), *, give_up_after: float = 300
) -> None:
    """Wait until ``count`` workers have answered a ping: a worker that answers consumes from
    the broker.

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
                raise WorkerExited(
                    f"a worker exited with {process.returncode} before answering:\n{error}"
                )
        if time.monotonic() > deadline:
            raise WorkersNotReady(
                f"{count} workers did not answer within {give_up_after:.0f} s "
                f"(answered: {sorted(answered)})"
            )
        for reply in app.control.ping(timeout=reply_wait, limit=count) or []:
            answered.update(reply)
        reply_wait = min(reply_wait * 2, 10.0)


def worker_stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` to the worker's process group, wait 30 s, then kill what is left."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def worker_processes(
    names: Sequence[str],
    env: dict[str, str],
    *,
    ready: Callable[[int, list[subprocess.Popen]], None] = workers_ready,
):
    """One worker per name, awaited by ``ready`` (``workers_ready`` unless the caller waits
    its own way), and stopped on the way out whatever happened."""
    processes = [worker_start(name, env) for name in names]
    try:
        ready(len(processes), processes)
        yield processes
    finally:
        for process in processes:
            worker_stop(process)


def celery_workers(count: int, **env: str):
    """``count`` workers for a workload: the bench process's environment and ``env``."""
    names = [f"bench{index}-{os.getpid()}" for index in range(count)]
    return worker_processes(
        names, {**os.environ, **env}, ready=functools.partial(workers_ready, give_up_after=180)
    )
