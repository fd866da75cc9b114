"""Locked carts in the background (LC-1, LC-2): the "never came back" lock sweep and the
staff alert for a cart Locked too long. The daily staff e-mail that lists them too (LC-5)
is ``completion.services.daily_report``.

No e-mail is sent while a row lock is held: claim in a short transaction, commit, send.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from basketops.business import business_setting
from baskets.links import basket_admin_url
from baskets.locks import basket_lock_row
from baskets.models import Basket, Status
from baskets.selectors import (
    staff_notification_recipients,
)
from baskets.services.actors import Actor
from baskets.services.transitions import basket_lock

logger = logging.getLogger(__name__)

SYSTEM = Actor.system("locked-carts")
# How many baskets one sweep or alert batch handles before re-queueing itself.
BATCH_SIZE = 200
NO_RETURN_REASON = (
    "The shopper started a payment and neither came back from the payment page nor did a "
    "payment result arrive; check the payment at the provider."
)


# --- LC-1: the shopper never came back -------------------------------------------------------
def _no_return_q(cutoff: datetime) -> Q:
    return Q(
        status=Status.ACTIVE,
        payment_started_at__isnull=False,
        payment_started_at__lte=cutoff,
        payment_returned_at__isnull=True,
        payment_result_at__isnull=True,
    )


def locked_cart_sweep(*, now: datetime | None = None, batch_size: int = BATCH_SIZE):
    """LC-1: lock Active baskets whose payment started longer ago than
    PAYMENT_NO_RETURN_LOCK_AFTER with no result and no return. Returns (locked, has_more).

    Each basket is re-checked under its row lock, so a return or result that lands between
    the select and the lock wins.
    """
    now = now or timezone.now()
    cutoff = now - settings.PAYMENT_NO_RETURN_LOCK_AFTER
    ids = list(
        Basket.objects.filter(_no_return_q(cutoff))
        .order_by("payment_started_at", "pk")
        .values_list("pk", flat=True)[: batch_size + 1]
    )
    locked = 0
    for basket_id in ids[:batch_size]:
        with transaction.atomic():
            basket = basket_lock_row(basket_id)
            if not Basket.objects.filter(_no_return_q(cutoff), pk=basket.pk).exists():
                continue
            basket_lock(basket_id=basket_id, actor=SYSTEM, reason=NO_RETURN_REASON)
            locked += 1
    if locked:
        logger.info("locked %s basket(s) whose shopper never came back from payment", locked)
    return locked, len(ids) > batch_size


# --- the 30-minute staff alert ---------------------------------------------------------------
def _alert_due_q(cutoff: datetime) -> Q:
    return Q(status=Status.LOCKED, locked_at__lte=cutoff) & (
        Q(lock_alerted_at__isnull=True) | Q(lock_alerted_at__lt=F("locked_at"))
    )


def locked_cart_alert_send(*, now: datetime | None = None, batch_size: int = BATCH_SIZE):
    """Alert staff once per lock about carts Locked longer than LOCKED_CART_ALERT_AFTER.

    Claims the baskets (marks them alerted, SKIP LOCKED) and commits before sending; if the
    mail fails the claim is undone so the next run tries again. Nothing is claimed or sent
    while the live EMAIL_SYSTEM_MESSAGES is off. Returns (alerted, has_more).
    """
    if not business_setting("EMAIL_SYSTEM_MESSAGES"):
        logger.info("locked cart alert skipped: EMAIL_SYSTEM_MESSAGES is off")
        return 0, False
    now = now or timezone.now()
    recipients = staff_notification_recipients()
    if not recipients:
        return 0, False
    cutoff = now - settings.LOCKED_CART_ALERT_AFTER
    with transaction.atomic():
        claimed = list(
            Basket.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(_alert_due_q(cutoff))
            .order_by("locked_at", "pk")[: batch_size + 1]
        )
        has_more = len(claimed) > batch_size
        claimed = claimed[:batch_size]
        Basket.objects.filter(pk__in=[b.pk for b in claimed]).update(lock_alerted_at=now)
    if not claimed:
        return 0, False
    context = {
        "baskets": [(basket, basket_admin_url(basket.pk)) for basket in claimed],
        "minutes": int(settings.LOCKED_CART_ALERT_AFTER.total_seconds() // 60),
    }
    subject = f"[Basket Ops] {len(claimed)} cart(s) locked for over {context['minutes']} minutes"
    body = render_to_string("baskets/email/locked_cart_alert.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        # SMTPException is an OSError: give the claim back for the next run.
        Basket.objects.filter(pk__in=[b.pk for b in claimed], lock_alerted_at=now).update(
            lock_alerted_at=None
        )
        logger.exception("locked cart alert not sent; will retry")
        raise
    return len(claimed), has_more


# --- LC-5: the daily staff e-mail ------------------------------------------------------------
