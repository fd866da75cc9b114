"""Real Celery worker processes for the tests, on the broker of the test run: Redis when
REDIS_URL is set, otherwise the embedded filesystem broker."""

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from benchmarks import workers
from tests.support.processes import child_env


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
    """A worker process (``benchmarks.workers``) on the test run's database, with ``env``
    added to its environment."""
    return workers.worker_start(name, child_env(**env))


def workers_ready(
    count: int, processes: list[subprocess.Popen] = (), *, give_up_after: float = 300
) -> None:
    """Wait until ``count`` workers have answered a ping (``benchmarks.workers``): a worker
    that answers consumes from the broker, which is what every worker test needs. A worker
    in ``processes`` that exits first, or no answer within ``give_up_after``, fails the
    test."""
    try:
        workers.workers_ready(count, processes, give_up_after=give_up_after)
    except workers.WorkerExited as error:
        raise AssertionError(str(error)) from None
    except workers.WorkersNotReady as error:
        raise AssertionError(f"{error}; broker {settings.CELERY_BROKER_URL}") from None


worker_stop = workers.worker_stop


@contextmanager
def celery_workers(count: int, *, flush: bool = True, **env: str):
    """``count`` worker processes; ``flush=False`` keeps the tasks already queued (the test
    flushed before queueing them itself)."""
    if flush:
        broker_flush()
    names = [f"w{index}" for index in range(count)]
    with workers.worker_processes(names, child_env(**env), ready=workers_ready) as processes:
        yield processes


def wait_until(condition, *, timeout: float, poll: float = 0.5, message: str = "") -> None:
    """Poll a condition that real worker processes make true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(message or "condition not met in time")
