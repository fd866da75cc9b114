"""Thin Celery task: send the queued GA4 events (never in a request)."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from basketops.celery import TRANSIENT_RETRY as RETRY
from scheduling.services import successor_send

from .services import ga4_enabled, ga4_events_purge, ga4_send

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, **RETRY)
def ga4_send_task(self, requeues: int = 0) -> dict:
    """Send due GA4 events; out of time, hand over to at most RUN_MAX_REQUEUES successors."""
    if not ga4_enabled():
        return {}
    summary = ga4_send(time_budget=settings.GA4_RUN_BUDGET.total_seconds())
    if summary.out_of_time:
        successor_send(ga4_send_task, requeues=requeues)
    ga4_events_purge(before=timezone.now() - settings.WEBHOOK_RETENTION)
    if summary.events:
        logger.info("GA4 send: %s", summary)
    return vars(summary)
