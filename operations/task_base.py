"""The Celery task class of the product: every run is counted and timed for /metrics (IN-4),
and a run asked for by a request (SC-1, SC-2) that fails still ends its request."""

import time

from celery import Task

from scheduling.services import run_request_failed

from .services import task_run_count


class CountedTask(Task):
    """Counts and times each run and each failure (an exception or a retry) by task name.

    A task declared with ``run_request_job`` (a job of ``scheduling.jobs``) answers that
    job's run requests: when it raises, Celery's verdict decides how its request ends, a
    retry (``on_retry``) being the coming run and any other failure (``on_failure``: not
    retried, or out of retries) releasing the row, so the next request sends a task at once
    instead of waiting for the row to go stale."""

    run_request_job: str | None = None

    def __call__(self, *args, **kwargs):
        failed = True
        started = time.perf_counter()
        try:
            result = super().__call__(*args, **kwargs)
            failed = False
            return result
        finally:
            task_run_count(task=self.name, failed=failed, seconds=time.perf_counter() - started)

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        if self.run_request_job:
            run_request_failed(job=self.run_request_job, retried=True)
        super().on_retry(exc, task_id, args, kwargs, einfo)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if self.run_request_job:
            run_request_failed(job=self.run_request_job, retried=False)
        super().on_failure(exc, task_id, args, kwargs, einfo)
