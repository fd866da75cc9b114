"""Abandonment's background work: capture (AB-1), purge (AB-2), reports (AB-3), reminders
(AB-4). Thin tasks: each calls one service and re-queues itself while more remains."""

from celery import shared_task

from basketops.celery import TRANSIENT_RETRY as RETRY
from scheduling.services import successor_send

from .services.capture import abandonment_purge, abandonment_sweep
from .services.digest import recovery_digest_send
from .services.reminders import basket_reminders_send
from .services.reports import abandon_report_build, report_schedules_run


@shared_task(bind=True, acks_late=True, **RETRY)
def abandonment_sweep_task(self, requeues: int = 0) -> int:
    """AB-1: capture idle lead baskets, a batch per task, re-queued while more remain."""
    count, has_more = abandonment_sweep()
    if has_more:
        successor_send(abandonment_sweep_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def abandonment_purge_task(self, requeues: int = 0) -> int:
    """AB-2: delete abandonments past the retention, a batch per task, re-queued."""
    count, has_more = abandonment_purge()
    if has_more:
        successor_send(abandonment_purge_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def abandon_report_build_task(self, report_id: int) -> str:
    """Build one queued abandon report into its spreadsheet."""
    report = abandon_report_build(report_id=report_id)
    return report.status if report is not None else "taken"


@shared_task(bind=True, acks_late=True, **RETRY)
def report_schedules_task(self) -> int:
    """Queue the abandon reports whose schedule is due."""
    return report_schedules_run()


@shared_task(bind=True, acks_late=True, **RETRY)
def basket_reminders_send_task(self, requeues: int = 0) -> int:
    """AB-4: send due reminder steps, each step at most once; re-queued while more remain."""
    count, has_more = basket_reminders_send()
    if has_more:
        successor_send(basket_reminders_send_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def recovery_digest_task(self) -> int:
    """AB-6: the daily digest of the day before's recovered baskets, once a day."""
    return recovery_digest_send()
