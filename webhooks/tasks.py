"""Thin Celery tasks for webhooks: fan the outbox out and deliver (IN-1)."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from analytics.services import ga4_enabled
from analytics.tasks import ga4_send_task
from basketops.celery import TRANSIENT_RETRY as RETRY
from scheduling.jobs import WEBHOOK_DISPATCH
from scheduling.services import (
    run_request_look,
    run_request_look_again,
    run_request_successor_send,
    successor_send,
)

from .services import webhooks_dispatch
from .services.retention import webhook_deliveries_purge

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, run_request_job=WEBHOOK_DISPATCH, **RETRY)
def webhook_dispatch_task(self, helpers: int | None = None, requeues: int = 0) -> dict:
    """Fan out new outbox events and send due deliveries, those committed while it runs too
    (SC-2); with a backlog, bring helpers in; out of time, hand over to at most
    RUN_MAX_REQUEUES successors in a row; failed, hand over to its retry or release
    (``run_request_job``)."""
    if helpers is None:
        helpers = settings.WEBHOOK_PARALLEL_SENDS - 1

    def on_backlog() -> None:
        for _ in range(helpers):
            webhook_dispatch_task.delay(helpers=0)

    run_request_look(job=WEBHOOK_DISPATCH)
    summary = webhooks_dispatch(
        time_budget=settings.WEBHOOK_RUN_BUDGET.total_seconds(),
        on_backlog=on_backlog,
        look_again=lambda: run_request_look_again(job=WEBHOOK_DISPATCH),
    )
    if summary.out_of_time:
        run_request_successor_send(webhook_dispatch_task, job=WEBHOOK_DISPATCH, requeues=requeues)
    if summary.events and ga4_enabled():
        # Events handed on may be queued for Google Analytics: send them now.
        ga4_send_task.delay()
    if summary.sent or summary.events:
        logger.info("webhook dispatch: %s", summary)
    return vars(summary)


@shared_task(bind=True, acks_late=True, **RETRY)
def webhook_purge_task(self, requeues: int = 0) -> int:
    """Delete finished deliveries past WEBHOOK_RETENTION (outbox events and attempts go by
    their own live periods: ``baskets.tasks.retention_purge_task``)."""
    before = timezone.now() - settings.WEBHOOK_RETENTION
    deliveries, more_deliveries = webhook_deliveries_purge(before=before)
    if more_deliveries:
        successor_send(webhook_purge_task, requeues=requeues)
    return deliveries
