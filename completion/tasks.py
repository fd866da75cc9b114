"""Thin Celery tasks of completion: each calls one service (the completion run, the upsell
timer, the daily staff e-mail).

Every task is acknowledged late and rejected when its worker is lost (settings); the
completion run and the upsell timer retry transient database errors (``TRANSIENT_RETRY``).
"""

import logging
import socket

from celery import shared_task
from django.conf import settings

from basketops.celery import TRANSIENT_RETRY as RETRY
from scheduling.jobs import COMPLETION_RUN
from scheduling.services import (
    run_request_look,
    run_request_look_again,
    run_request_successor_send,
)

from .services import completion_run, upsell_finalise_due
from .services.daily_report import daily_notification_due_send, daily_notification_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, run_request_job=COMPLETION_RUN, **RETRY)
def completion_run_task(self, helpers: int | None = None, requeues: int = 0) -> dict:
    """CB-3/CB-4: complete waiting baskets, those paid while it runs too (SC-1); with a
    backlog, bring other workers in; out of time, hand over to at most RUN_MAX_REQUEUES
    successors in a row; failed, hand over to its retry or release (``run_request_job``)."""
    if helpers is None:
        helpers = settings.COMPLETION_PARALLEL_RUNS - 1
    worker = f"{socket.gethostname()}:{self.request.id or 'local'}"

    def on_backlog() -> None:
        if helpers > 0:
            completion_run_task.delay(helpers=helpers - 1)

    run_request_look(job=COMPLETION_RUN)
    summary = completion_run(
        worker=worker,
        on_backlog=on_backlog,
        time_budget=settings.COMPLETION_RUN_BUDGET.total_seconds(),
        look_again=lambda: run_request_look_again(job=COMPLETION_RUN),
    )
    if summary.out_of_time:
        # Work remains: continue in a new task so the queue stays fair to other tasks.
        run_request_successor_send(completion_run_task, job=COMPLETION_RUN, requeues=requeues)
    logger.info("completion run %s: %s", worker, summary)
    return summary.as_dict()


@shared_task(bind=True, acks_late=True, **RETRY)
def upsell_finalise_task(self) -> int:
    """AB-5: finalise upsell offers whose timer ran out."""
    return upsell_finalise_due()


@shared_task(bind=True, acks_late=True, **RETRY)
def daily_notification_task(self) -> bool:
    """LC-5: the daily staff e-mail (only with EMAIL_SYSTEM_MESSAGES on)."""
    return daily_notification_send()


@shared_task(bind=True, acks_late=True, **RETRY)
def daily_notification_due_task(self) -> bool:
    """LC-5 on schedule: today's staff e-mail once from DAILY_NOTIFICATION_HOUR on; a
    missed hour is caught up at the next run."""
    return daily_notification_due_send()
