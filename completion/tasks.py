"""Thin Celery tasks: take ids or nothing, call one service, log domain errors.

Every task is acknowledged late and rejected when its worker is lost (settings), and every
countdown stays far below the Redis visibility timeout.
"""

import logging
import socket

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from .services import (
    abandonment_purge,
    abandonment_sweep,
    completion_run,
    upsell_finalise_due,
    worker_heartbeat_record,
)

logger = logging.getLogger(__name__)

# Transient database trouble (a failover, a dropped connection) is retried with backoff.
RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


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
def abandonment_sweep_task(self) -> int:
    """AB-1: capture idle Active baskets, a batch per task, re-queued while more remain."""
    count, has_more = abandonment_sweep()
    if has_more:
        abandonment_sweep_task.delay()
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def abandonment_purge_task(self) -> int:
    """AB-2: delete abandonments past the retention, a batch per task, re-queued."""
    count, has_more = abandonment_purge()
    if has_more:
        abandonment_purge_task.delay()
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def upsell_finalise_task(self) -> int:
    """AB-5: finalise upsell offers whose timer ran out."""
    return upsell_finalise_due()


# --- Locked carts (LC-1, LC-5): see completion/notifications.py ------------------------------
from .notifications import (  # noqa: E402  (kept with the tasks that use it)
    daily_notification_send,
    locked_cart_alert_send,
    locked_cart_sweep,
)


@shared_task(bind=True, acks_late=True, **RETRY)
def locked_cart_sweep_task(self) -> int:
    """LC-1: lock baskets whose shopper never came back from payment, re-queued while more."""
    count, has_more = locked_cart_sweep()
    if has_more:
        locked_cart_sweep_task.delay()
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def locked_cart_alert_task(self) -> int:
    """Alert staff once per lock about carts Locked longer than LOCKED_CART_ALERT_AFTER."""
    count, has_more = locked_cart_alert_send()
    if has_more:
        locked_cart_alert_task.delay()
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def daily_notification_task(self) -> bool:
    """LC-5: the daily staff e-mail (only with EMAIL_SYSTEM_MESSAGES on)."""
    return daily_notification_send()


# --- Abandon reports (AB-3) ------------------------------------------------------------------
from .services.reports import abandon_report_build, report_schedules_run  # noqa: E402


@shared_task(bind=True, acks_late=True, **RETRY)
def abandon_report_build_task(self, report_id: int) -> str:
    """Build one queued abandon report into its spreadsheet."""
    report = abandon_report_build(report_id=report_id)
    return report.status if report is not None else "taken"


@shared_task(bind=True, acks_late=True, **RETRY)
def report_schedules_task(self) -> int:
    """Queue the abandon reports whose schedule is due."""
    return report_schedules_run()


# --- Basket reminders (AB-4) -----------------------------------------------------------------
from .reminders import basket_reminders_send  # noqa: E402


@shared_task(bind=True, acks_late=True, **RETRY)
def basket_reminders_send_task(self) -> int:
    """AB-4: send due reminder e-mails, each abandonment at most once; re-queued while more."""
    count, has_more = basket_reminders_send()
    if has_more:
        basket_reminders_send_task.delay()
    return count
