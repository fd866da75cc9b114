"""Finding a basket for a storefront write and checking the storefront still holds it."""

import uuid
from decimal import Decimal

from django.utils import timezone

from ...currencies import amount_round
from ...exceptions import BasketNotEditable, BasketNotFound
from ...locks import basket_lock_row, basket_lock_with_lines
from ...models import (
    Basket,
    Coupon,
    Line,
    Stage,
    Status,
)
from ...selectors import basket_was_deleted, guid_parse
from ..actors import Actor
from ..gift_cards import basket_gift_cards_deduct
from ..storefront_errors import (
    HoldEnded,
)

# Who re-priced, in the timeline, when the caller names nobody (a storefront edit).
REPRICE = Actor.system("storefront")
# Stages a storefront may move a basket to; Confirmation follows the payment result.
STOREFRONT_STAGES = (
    Stage.BASKET,
    Stage.LOGIN_REGISTER,
    Stage.ADDITIONAL_INFORMATION,
    Stage.MANAGE_BOOKING,
    Stage.PAYMENT,
)
NOT_EDITABLE = {
    Status.LOCKED: "The basket is locked until staff check its payment; it cannot be changed.",
    Status.AWAITING_COMPLETION: "The basket is paid and becomes an order; start a new basket.",
    Status.COMPLETED: "The basket is already an order; start a new basket.",
    Status.COMPLETION_FAILED: "The basket is paid and waits for staff; start a new basket.",
}


# --- finding and holding a basket ---------------------------------------------------------
def basket_id_for_write(guid: uuid.UUID | str) -> int:
    """The id of the basket with ``guid``; a basket staff deleted answers ``HoldEnded``."""
    parsed = guid_parse(guid)
    basket_id = Basket.objects.filter(guid=parsed).values_list("pk", flat=True).first()
    if basket_id is None:
        basket_deleted_refuse(parsed)
        raise BasketNotFound(f"No basket with GUID {parsed}.")
    return basket_id


def basket_lock_for_write(
    guid: uuid.UUID | str, *, with_lines: bool = False
) -> tuple[Basket, list[Line]]:
    """Lock the basket (its lines first, when asked) in the caller's transaction; a basket
    deleted while we waited answers ``HoldEnded`` like one deleted before."""
    basket_id = basket_id_for_write(guid)
    try:
        if with_lines:
            return basket_lock_with_lines(basket_id)
        return basket_lock_row(basket_id), []
    except BasketNotFound:
        basket_deleted_refuse(guid_parse(guid))
        raise


def basket_deleted_refuse(guid: uuid.UUID) -> None:
    """Raise ``HoldEnded`` when the timeline shows the basket was deleted."""
    if basket_was_deleted(guid):
        raise HoldEnded(
            f"Basket {guid} was deleted by staff; the storefront's session for it has ended. "
            "Start again with a new basket (POST /api/baskets/)."
        )


def basket_editable_check(basket: Basket) -> None:
    """LC-4 / API-2: only an Active basket the storefront still holds takes edits."""
    if basket.hold_ended_at is not None:
        if basket.status == Status.ACTIVE:
            raise HoldEnded(
                f"Staff unlocked basket {basket.guid}; the storefront's session for it has "
                "ended. Start again: resume it (POST /api/baskets/<guid>/resume/) or create "
                "a new basket.",
                basket_id=basket.pk,
            )
        raise HoldEnded(
            f"Staff decided on basket {basket.guid} (now {Status(basket.status).label}); the "
            "storefront's session for it has ended. Start again with a new basket "
            "(POST /api/baskets/).",
            basket_id=basket.pk,
        )
    if basket.status != Status.ACTIVE:
        raise BasketNotEditable(NOT_EDITABLE[Status(basket.status)], basket_id=basket.pk)


def basket_touch(basket: Basket, *fields: str) -> None:
    """Save ``fields`` with the modification and shopper activity time.

    The shopper is back, so an earlier abandonment is over: a later idle spell is captured
    as a new one (AB-1)."""
    now = timezone.now()
    basket.modified_at = now
    basket.last_activity_at = now
    basket.abandoned_at = None
    basket.save(update_fields=[*fields, "modified_at", "last_activity_at", "abandoned_at"])


def coupon_deduct(coupon: Coupon, total: Decimal, currency: str) -> Decimal:
    """``total`` less the coupon: its percentage, or its amount when in ``currency``
    (never below zero)."""
    if coupon.amount_off is not None:
        return total - min(coupon.amount_off, total) if coupon.currency == currency else total
    return total * (Decimal("100") - coupon.percent_off) / Decimal("100")


def basket_reprice(
    basket: Basket, lines: list[Line], *, actor: Actor = REPRICE, for_payment: bool = False
) -> None:
    """Total = lines, less each coupon's percentage, less what the gift cards cover (never
    < 0): reserved for a basket in payment (or about to be charged: ``for_payment``), else
    only what the cards have left (SH-5). Call with the lines and the basket locked; may
    lock the basket's gift cards."""
    total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    coupons = Coupon.objects.filter(code__in=basket.coupon_codes).order_by("code")
    for coupon in coupons:
        total = coupon_deduct(coupon, total, basket.currency)
    # SH-2: rounded to the basket currency's minor unit (JPY has none).
    total = amount_round(total, basket.currency)
    basket.total = basket_gift_cards_deduct(basket, total, actor=actor, for_payment=for_payment)
