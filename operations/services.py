"""Writes of the operations app: task run counters (IN-4), worker heartbeats (IN-2)."""

import logging
import socket

from django.db import DatabaseError, connection
from django.utils import timezone

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

COUNT_SQL = """
INSERT INTO operations_taskruncount (task, runs, failures, seconds)
VALUES (%(task)s, 1, %(failed)s, %(seconds)s)
ON CONFLICT (task) DO UPDATE SET runs = operations_taskruncount.runs + 1,
                                 failures = operations_taskruncount.failures + %(failed)s,
                                 seconds = operations_taskruncount.seconds + %(seconds)s
"""


def task_run_count(*, task: str, failed: bool, seconds: float = 0.0) -> None:
    """Add one run (and a failure) of ``task`` that took ``seconds``; one autocommitted
    UPSERT, never raises."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                COUNT_SQL, {"task": task[:200], "failed": int(failed), "seconds": seconds}
            )
    except DatabaseError as error:
        # The database being down is what readiness reports; the task's own outcome
        # matters more than its counter.
        logger.warning("task run of %s not counted: %s", task, error)


def worker_heartbeat_record(*, name: str) -> WorkerHeartbeat:
    """Record that a worker process ran a task for ``name`` just now (read by ping_worker,
    ``/readyz`` and the admin)."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"hostname": socket.gethostname(), "seen_at": timezone.now()}
    )
    return heartbeat
