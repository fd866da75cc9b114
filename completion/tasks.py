"""Thin Celery tasks: take ids or nothing, call one service, log domain errors.

Every task is acknowledged late and rejected when its worker is lost (settings), and every
countdown stays far below the Redis visibility timeout.
"""

import logging
import socket

from celery import shared_task
from django.conf import settings

from basketops.celery import TRANSIENT_RETRY as RETRY

from .services import completion_run, upsell_finalise_due, worker_heartbeat_record

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def worker_heartbeat_task(name: str = "scheduler") -> None:
    """Show that a worker is consuming the queue (read by ping_worker and the admin)."""
    worker_heartbeat_record(name=name)


@shared_task(bind=True, acks_late=True, **RETRY)
def completion_run_task(self, helpers: int | None = None) -> dict:
    """CB-3/CB-4: complete waiting baskets; with a backlog, bring other workers in."""
    if helpers is None:
        helpers = settings.COMPLETION_PARALLEL_RUNS - 1
    worker = f"{socket.gethostname()}:{self.request.id or 'local'}"

    def on_backlog() -> None:
        if helpers > 0:
            completion_run_task.delay(helpers=helpers - 1)

    summary = completion_run(
        worker=worker,
        on_backlog=on_backlog,
        time_budget=settings.COMPLETION_RUN_BUDGET.total_seconds(),
    )
    if summary.out_of_time:
        # Work remains: continue in a new task so the queue stays fair to other tasks.
        completion_run_task.delay(helpers=0)
    logger.info("completion run %s: %s", worker, summary)
    return summary.as_dict()


@shared_task(bind=True, acks_late=True, **RETRY)
def upsell_finalise_task(self) -> int:
    """AB-5: finalise upsell offers whose timer ran out."""
    return upsell_finalise_due()
