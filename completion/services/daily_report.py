"""The daily staff e-mail (LC-5): Locked carts, Completion Failed baskets nobody closed,
baskets Awaiting Completion too long, payment results kept for reconciliation and unpaid
orders in accounts receivable: what a person must look at, once a day.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from basketops.business import business_setting
from baskets.links import basket_admin_url
from baskets.models import Basket, PaymentResult
from baskets.selectors import order_receivable_list, staff_notification_recipients
from scheduling.models import PeriodicClaim

from ..selectors import baskets_needing_staff

logger = logging.getLogger(__name__)

# The e-mail lists at most this many baskets per section, then a count of the rest.
DAILY_LIST_LIMIT = 100
# The e-mail's claim of a day (``PeriodicClaim``: this job, the day's ordinal).
DAILY_JOB = "daily-staff-notification"
# Late payment results (kept for reconciliation) are reported for the day before the mail.
RECONCILIATION_WINDOW = timedelta(days=1)


@dataclass
class DailyReport:
    locked: list[Basket]
    locked_count: int
    failed: list[Basket]
    failed_count: int
    waiting: list[Basket]
    waiting_count: int
    late_results: list[PaymentResult]
    late_results_count: int
    # Seed 004: unpaid orders in accounts receivable, oldest first.
    receivables: list = field(default_factory=list)
    receivables_count: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.locked_count
            or self.failed_count
            or self.waiting_count
            or self.late_results_count
            or self.receivables_count
        )


def _first(queryset: QuerySet) -> tuple[list, int]:
    return list(queryset[:DAILY_LIST_LIMIT]), queryset.count()


def daily_report_build(*, now: datetime | None = None) -> DailyReport:
    """Locked carts, Completion Failed baskets, baskets Awaiting Completion too long, and
    payment results kept for reconciliation in the last day."""
    now = now or timezone.now()
    needing_staff = baskets_needing_staff(
        now=now, waiting_longer_than=settings.AWAITING_COMPLETION_REPORT_AFTER
    )
    locked = _first(needing_staff.locked)
    failed = _first(needing_staff.failed)
    waiting = _first(needing_staff.waiting)
    late_results = _first(
        PaymentResult.objects.filter(
            outcome=PaymentResult.Outcome.RECONCILIATION,
            created_at__gt=now - RECONCILIATION_WINDOW,
        ).order_by("created_at", "pk")
    )
    receivables = _first(order_receivable_list())
    return DailyReport(*locked, *failed, *waiting, *late_results, *receivables)


def daily_notification_refusal() -> str:
    """Why the daily e-mail cannot go now ("" when it can): system e-mails off, or nobody
    to send it to."""
    if not business_setting("EMAIL_SYSTEM_MESSAGES"):
        return _("System e-mails are off (the business setting EMAIL_SYSTEM_MESSAGES).")
    if not staff_notification_recipients():
        return _(
            "There is nobody to send it to: set STAFF_NOTIFICATION_EMAILS or give a System "
            "administrator an e-mail address."
        )
    return ""


def daily_notification_due_send(*, now: datetime | None = None) -> bool:
    """LC-5 on schedule: today's e-mail once, at the first run from DAILY_NOTIFICATION_HOUR
    on, so a day whose run at that hour was missed (scheduler down) is caught up at the
    next run. The day is claimed before the mail goes; a mail the server refuses gives the
    claim back for the next run. Returns whether a mail went out."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < business_setting("DAILY_NOTIFICATION_HOUR") or daily_notification_refusal():
        return False
    try:
        with transaction.atomic():
            claim = PeriodicClaim.objects.create(
                job=DAILY_JOB,
                period=local.date().toordinal(),
                claimed_at=now,
                claimed_by="daily notification",
            )
    except IntegrityError:
        return False  # today's went out already
    try:
        return daily_notification_send(now=now)
    except OSError:
        claim.delete()
        logger.exception("daily notification not sent; will retry")
        raise


def daily_notification_send(*, now: datetime | None = None) -> bool:
    """LC-5: e-mail staff the daily report; only when EMAIL_SYSTEM_MESSAGES is on, there
    are recipients, and there is something to report. Returns whether a mail went out."""
    refusal = daily_notification_refusal()
    if refusal:
        logger.info("daily notification skipped: %s", refusal)
        return False
    recipients = staff_notification_recipients()
    report = daily_report_build(now=now)
    if report.empty:
        return False

    def rows(baskets: list[Basket]) -> list[tuple[Basket, str]]:
        return [(basket, basket_admin_url(basket.pk)) for basket in baskets]

    context = {
        "report": report,
        "locked": rows(report.locked),
        "failed": rows(report.failed),
        "waiting": rows(report.waiting),
        "late_results": [
            (result, basket_admin_url(result.basket_id) if result.basket_id else "")
            for result in report.late_results
        ],
        "receivables": [(order, basket_admin_url(order.basket_id)) for order in report.receivables],
        "receivables_url": f"{settings.BACKOFFICE_BASE_URL}"
        f"{reverse('admin:baskets_order_receivables')}",
        "waiting_minutes": int(settings.AWAITING_COMPLETION_REPORT_AFTER.total_seconds() // 60),
        "limit": DAILY_LIST_LIMIT,
        "grid_url": f"{settings.BACKOFFICE_BASE_URL}{reverse('admin:baskets_basket_changelist')}",
    }
    subject = (
        f"[Basket Ops] Daily basket report: {report.locked_count} locked, "
        f"{report.failed_count} completion failed, {report.waiting_count} waiting"
        + (f", {report.late_results_count} to reconcile" if report.late_results_count else "")
        + (f", {report.receivables_count} unpaid order(s)" if report.receivables_count else "")
    )
    body = render_to_string("completion/email/daily_notification.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True
