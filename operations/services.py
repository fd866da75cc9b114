"""Writes of the operations app: task run counters (IN-4)."""

import logging

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

COUNT_SQL = """
INSERT INTO operations_taskruncount (task, runs, failures) VALUES (%(task)s, 1, %(failed)s)
ON CONFLICT (task) DO UPDATE SET runs = operations_taskruncount.runs + 1,
                                 failures = operations_taskruncount.failures + %(failed)s
"""


def task_run_count(*, task: str, failed: bool) -> None:
    """Add one run (and a failure) of ``task``; one autocommitted UPSERT, never raises."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(COUNT_SQL, {"task": task[:200], "failed": int(failed)})
    except DatabaseError as error:
        # The database being down is what readiness reports; the task's own outcome
        # matters more than its counter.
        logger.warning("task run of %s not counted: %s", task, error)
