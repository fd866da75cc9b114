"""The Celery task class of the product: every run is counted and timed for /metrics (IN-4)."""

import time

from celery import Task

from .services import task_run_count


class CountedTask(Task):
    """Counts and times each run and each failure (an exception or a retry) by task name."""

    def __call__(self, *args, **kwargs):
        failed = True
        started = time.perf_counter()
        try:
            result = super().__call__(*args, **kwargs)
            failed = False
            return result
        finally:
            task_run_count(task=self.name, failed=failed, seconds=time.perf_counter() - started)
