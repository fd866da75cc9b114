"""AB-4: reminder e-mails for abandoned baskets, holding the basket's recovery link.

A reminder goes to the e-mail address of the login that owns the basket, REMINDER_AFTER
after the abandonment was captured, when:

- the basket is still Active, the shopper has not been back since (no activity after the
  capture) and the abandonment is not recovered;
- it had lines, and was captured less than REMINDER_MAX_AGE ago;
- neither that login nor any other login with the same address opted out
  (``ShopAccount.reminder_opt_out_at``, set by the unsubscribe link in every reminder).

Never twice for the same abandonment: a batch is claimed in a short transaction (``SELECT
... FOR UPDATE SKIP LOCKED``, so two workers never take the same row) by setting
``reminded_at``; the claim commits before any mail is sent. A mail the server refuses gives
its claim back for the next run; a worker that dies after the claim sends nothing for those
rows rather than risk a second mail.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from baskets.models import Product, ShopAccount, Status
from recovery.links import basket_runtime_values
from recovery.unsubscribe import unsubscribe_url

from ..models import Abandonment

logger = logging.getLogger(__name__)

# Reminders one run claims and sends before re-queueing itself.
BATCH_SIZE = 100
TEMPLATE = "abandonment/email/basket_reminder.txt"
SUBJECT = "You left something in your basket"


def _due_q(now: datetime) -> Q:
    opted_out = ShopAccount.objects.filter(
        email__iexact=OuterRef("basket__shop_account__email"),
        reminder_opt_out_at__isnull=False,
    )
    return (
        Q(
            reminded_at__isnull=True,
            recovered_at__isnull=True,
            captured_at__lte=now - settings.REMINDER_AFTER,
            captured_at__gte=now - settings.REMINDER_MAX_AGE,
            basket__status=Status.ACTIVE,
            basket__shop_account__isnull=False,
            basket__shop_account__reminder_opt_out_at__isnull=True,
            basket__last_activity_at__lte=F("captured_at"),
        )
        & ~Q(basket__shop_account__email="")
        & ~Q(lines=[])
        & ~Exists(opted_out)
    )


def reminders_due(*, now: datetime | None = None):
    """Abandonments a reminder is due for (no lock); for the admin and the tests."""
    return Abandonment.objects.filter(_due_q(now or timezone.now()))


def _claim(now: datetime, batch_size: int) -> tuple[list[Abandonment], bool]:
    with transaction.atomic():
        rows = list(
            Abandonment.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(_due_q(now))
            .select_related("basket__shop_account")
            .order_by("captured_at", "pk")[: batch_size + 1]
        )
        has_more = len(rows) > batch_size
        rows = rows[:batch_size]
        for row in rows:
            row.reminded_at = now
            row.reminder_email = row.basket.shop_account.email
        Abandonment.objects.bulk_update(rows, ["reminded_at", "reminder_email"])
    return rows, has_more


def _message(abandonment: Abandonment, names: dict[str, str], connection) -> EmailMultiAlternatives:
    basket = abandonment.basket
    account = basket.shop_account
    unsubscribe = unsubscribe_url(account.guid)
    context = {
        "Basket": basket_runtime_values(basket),
        "name": account.name,
        "lines": [
            {**line, "name": names.get(line.get("product_id", ""), line.get("product_id", ""))}
            for line in abandonment.lines
        ],
        "total": abandonment.total,
        "currency": abandonment.currency,
        "unsubscribe_url": unsubscribe,
    }
    return EmailMultiAlternatives(
        subject=SUBJECT,
        body=render_to_string(TEMPLATE, context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[abandonment.reminder_email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        connection=connection,
    )


def _claims_release(abandonment_ids: list[int], claimed_at: datetime) -> None:
    Abandonment.objects.filter(pk__in=abandonment_ids, reminded_at=claimed_at).update(
        reminded_at=None, reminder_email=""
    )


def basket_reminders_send(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> tuple[int, bool]:
    """AB-4: claim and send one batch of due reminders. Returns (sent, whether more remain).

    Locks only the claimed abandonment rows, and only while claiming; no row lock is held
    while mail is sent."""
    if not settings.REMINDERS_ENABLED:
        return 0, False
    now = now or timezone.now()
    claimed, has_more = _claim(now, batch_size)
    if not claimed:
        return 0, False
    product_ids = {line.get("product_id", "") for row in claimed for line in row.lines}
    names = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
    sent = 0
    connection = get_connection()
    try:
        connection.open()
    except OSError:
        # The mail server cannot be reached: give every claim back for the next run.
        _claims_release([row.pk for row in claimed], now)
        logger.exception("basket reminders not sent: no mail connection; will retry")
        raise
    try:
        for abandonment in claimed:
            try:
                _message(abandonment, names, connection).send()
            except OSError:
                # SMTPException is an OSError: give the claim back for the next run.
                _claims_release([abandonment.pk], now)
                logger.exception(
                    "reminder for abandonment %s (basket %s) not sent; will retry",
                    abandonment.pk,
                    abandonment.basket_id,
                )
                continue
            sent += 1
    finally:
        connection.close()
    logger.info("sent %s basket reminder(s)", sent)
    return sent, has_more
