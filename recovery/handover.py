"""SH-3: the shop hands a logged-in shopper over to the shopper pages.

The Storefront client asks ``POST /api/shoppers/handover/`` for a URL naming the shop's
login (or customer account, or a salesperson with the customer they have selected); the
shop sends the shopper's browser there. The URL holds a random token, is good once and for
``SHOPPER_HANDOVER_MAX_AGE`` (60 s), and signs that shopper in to this browser's session:
no Basket Ops password, ever.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from baskets.models import CustomerAccount, Salesperson, ShopAccount

from .models import ShopperHandover

HANDOVER_TOKEN_BYTES = 32  # 43 URL-safe characters
# Used and expired hand-overs are kept this long (for support questions), then deleted by
# the next hand-over made.
HANDOVER_KEPT = timedelta(days=1)


class HandoverRefused(ValueError):
    """The shop named a salesperson's customer that is not one of their related customers."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def salesperson_customer_select(
    *, salesperson: Salesperson, customer: CustomerAccount | None
) -> None:
    """RL-5: the customer the salesperson has selected in the shop (one of their related
    customers), or none; safe to repeat. Raises ``HandoverRefused`` for any other."""
    if customer is not None and not salesperson.related_customers.filter(pk=customer.pk).exists():
        raise HandoverRefused(
            f"Customer account {customer.erp_account_id} is not related to this salesperson."
        )
    if salesperson.selected_customer_id != (customer.pk if customer else None):
        salesperson.selected_customer = customer
        salesperson.save(update_fields=["selected_customer"])


def shopper_handover_create(
    *,
    shop_account: ShopAccount | None = None,
    customer_account: CustomerAccount | None = None,
    next_path: str = "",
) -> str:
    """A new one-time hand-over URL (absolute, on ``SHOP_BASE_URL``) for the login or the
    customer account; ``next_path`` is a shopper page path (the basket page by default).
    Deletes hand-overs older than ``HANDOVER_KEPT``. Locks nothing."""
    token = secrets.token_urlsafe(HANDOVER_TOKEN_BYTES)
    now = timezone.now()
    ShopperHandover.objects.filter(created_at__lt=now - HANDOVER_KEPT).delete()
    ShopperHandover.objects.create(
        token_digest=_digest(token),
        shop_account=shop_account,
        customer_account=customer_account if shop_account is None else None,
        next_path=next_path or reverse("recovery:basket"),
        created_at=now,
    )
    path = reverse("recovery:handover", kwargs={"token": token})
    return f"{settings.SHOP_BASE_URL}{path}"


def shopper_handover_use(token: str) -> ShopperHandover | None:
    """The hand-over of ``token``, marked used; None when unknown, used already or older
    than ``SHOPPER_HANDOVER_MAX_AGE``. Two opens at once: one wins (the row lock decides)."""
    if not 0 < len(token) <= 100:
        return None
    now = timezone.now()
    with transaction.atomic():
        handover = (
            ShopperHandover.objects.select_for_update(of=("self",))
            .select_related("shop_account", "customer_account")
            .filter(
                token_digest=_digest(token),
                used_at__isnull=True,
                created_at__gt=now - settings.SHOPPER_HANDOVER_MAX_AGE,
            )
            .first()
        )
        if handover is None:
            return None
        handover.used_at = now
        handover.save(update_fields=["used_at"])
    return handover
