"""The Celery task class of the product: every run is counted for /metrics (IN-4)."""

from celery import Task

from .services import task_run_count


class CountedTask(Task):
    """Counts each run and each failure (an exception or a retry) by task name."""

    def __call__(self, *args, **kwargs):
        failed = True
        try:
            result = super().__call__(*args, **kwargs)
            failed = False
            return result
        finally:
            task_run_count(task=self.name, failed=failed)
