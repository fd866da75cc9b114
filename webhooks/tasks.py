"""Thin Celery tasks for webhooks: fan the outbox out and deliver (IN-1)."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from basketops.celery import TRANSIENT_RETRY as RETRY
from baskets.services.outbox import outbox_purge

from .services import webhooks_dispatch
from .services.retention import webhook_deliveries_purge

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, **RETRY)
def webhook_dispatch_task(self, helpers: int | None = None) -> dict:
    """Fan out new outbox events and send due deliveries; with a backlog, bring helpers in."""
    if helpers is None:
        helpers = settings.WEBHOOK_PARALLEL_SENDS - 1

    def on_backlog() -> None:
        for _ in range(helpers):
            webhook_dispatch_task.delay(helpers=0)

    summary = webhooks_dispatch(
        time_budget=settings.WEBHOOK_RUN_BUDGET.total_seconds(), on_backlog=on_backlog
    )
    if summary.out_of_time:
        webhook_dispatch_task.delay(helpers=0)
    if summary.sent or summary.events:
        logger.info("webhook dispatch: %s", summary)
    return vars(summary)


@shared_task(bind=True, acks_late=True, **RETRY)
def webhook_purge_task(self) -> int:
    """Delete finished deliveries and dispatched outbox events past WEBHOOK_RETENTION."""
    before = timezone.now() - settings.WEBHOOK_RETENTION
    deliveries, more_deliveries = webhook_deliveries_purge(before=before)
    events, more_events = outbox_purge(before=before)
    if more_deliveries or more_events:
        webhook_purge_task.delay()
    return deliveries + events
