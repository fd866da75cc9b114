"""Checkout details, stages, the return from the payment page, resuming after unlock."""

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from ...currencies import amount_format
from ...exceptions import BasketNotEditable
from ...models import (
    Basket,
    EventType,
    PurchaserType,
    Stage,
    Status,
    TimelineAction,
)
from ...models.basket import STAGE_ORDER
from ..actors import Actor
from ..outbox import outbox_items, outbox_record
from ..purchaser import (
    Purchaser,
    basket_booked_users_fill,
    basket_purchaser,
    basket_purchaser_fill,
)
from ..storefront_errors import (
    PaymentNotStarted,
    StorefrontInputError,
    WrongStageOrder,
)
from ..transitions import event_record
from .holds import (
    NOT_EDITABLE,
    STOREFRONT_STAGES,
    basket_editable_check,
    basket_lock_for_write,
    basket_reprice,
    basket_touch,
)

CHECKOUT_FIELDS = (
    "payment_address",
    "delivery_address",
    "delivery_method",
    "payment_method",
    "location",
    "user_values",
    "order_comment",
    "email",
    "language",
    "marketing_consent",
    "marketing_consent_source",
)


def basket_checkout_update(*, guid: uuid.UUID | str, changes: dict[str, Any]) -> Basket:
    """Set the checkout details (addresses, methods, values, comment, e-mail); locks the basket."""
    unknown = sorted(set(changes) - set(CHECKOUT_FIELDS))
    if unknown:
        raise StorefrontInputError(f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field")
    if "marketing_consent_source" in changes and "marketing_consent" not in changes:
        raise StorefrontInputError(
            "marketing_consent_source goes with marketing_consent.", code="unknown_field"
        )
    with transaction.atomic():
        basket, _ = basket_lock_for_write(guid)
        basket_editable_check(basket)
        for field, value in changes.items():
            setattr(basket, field, value)
        fields = list(changes)
        if "marketing_consent" in changes:
            # PV-1: the answer is recorded with its time and source.
            basket.marketing_consent_at = timezone.now()
            basket.marketing_consent_source = changes.get("marketing_consent_source", "")[:100]
            fields = [*dict.fromkeys([*fields, "marketing_consent_at", "marketing_consent_source"])]
        if {"payment_address", "delivery_address"} & set(changes):
            # RL-1: the shopper entered addresses again; nothing is withheld any more.
            basket.addresses_withheld_at = None
            fields.append("addresses_withheld_at")
        basket_touch(basket, *fields)
    return basket


def basket_stage_move(
    *, guid: uuid.UUID | str, stage: str, actor: Actor, purchaser_label: str = ""
) -> Basket:
    """Move one stage forward, or back to any earlier stage; Payment again restarts the
    payment attempt. Leaving a step records it done (CB-5, CB-6, CB-7)."""
    if stage not in STOREFRONT_STAGES:
        allowed = ", ".join(STOREFRONT_STAGES)
        raise StorefrontInputError(
            f"Unknown stage “{str(stage)[:40]}”; use one of {allowed}.", code="unknown_stage"
        )
    with transaction.atomic():
        basket, lines = basket_lock_for_write(guid, with_lines=True)
        basket_id = basket.pk
        basket_editable_check(basket)
        current = STAGE_ORDER.index(basket.stage)
        target = STAGE_ORDER.index(stage)
        restart_payment = stage == basket.stage == Stage.PAYMENT
        if target > current + 1 or (target == current and not restart_payment):
            following = Stage(STAGE_ORDER[min(current + 1, len(STAGE_ORDER) - 1)]).label
            raise WrongStageOrder(
                f"Cannot move from {Stage(basket.stage).label} to {Stage(stage).label}: "
                f"the next stage is {following}.",
                basket_id=basket_id,
            )
        if stage == Stage.PAYMENT and not lines:
            raise WrongStageOrder(
                "An empty basket cannot go to payment; add a line first.", basket_id=basket_id
            )
        now = timezone.now()
        fields = ["stage"]
        previous = basket.stage
        basket.stage = stage
        if previous == Stage.LOGIN_REGISTER and target > current:
            if basket.addresses_withheld_at is not None:
                # RL-1: the shopper passed the address step again: the addresses are theirs.
                basket.addresses_withheld_at = None
                fields.append("addresses_withheld_at")
            # Past login/register the purchaser is known: a login, an account, or a guest
            # who gave a name (CB-1, CB-7).
            purchaser = basket_purchaser(basket)
            if purchaser_label and not purchaser.label:
                purchaser = Purchaser(label=purchaser_label[:200], type=PurchaserType.USER)
            fields += basket_purchaser_fill(basket, purchaser)
        if target > current:
            fields += basket_booked_users_fill(basket, lines, basket_purchaser(basket).booker_id)
        if previous == Stage.ADDITIONAL_INFORMATION and target > current:
            if basket.additional_information_supplied_at is None:
                basket.additional_information_supplied_at = now
                fields.append("additional_information_supplied_at")
        if previous == Stage.MANAGE_BOOKING and target > current:
            if basket.manage_booking_completed_at is None:
                basket.manage_booking_completed_at = now
                fields.append("manage_booking_completed_at")
        if stage == Stage.PAYMENT:
            # A new payment attempt: the lock sweep waits for its result or the return.
            basket.payment_started_at = now
            basket.payment_returned_at = None
            basket.payment_result_at = None
            fields += ["payment_started_at", "payment_returned_at", "payment_result_at"]
            event_record(basket=basket, action=TimelineAction.PAYMENT_STARTED, actor=actor, at=now)
        if basket.gift_card_codes:
            # SH-5: reaching Payment reserves the cards' money, leaving it gives it back.
            basket_reprice(basket, lines, actor=actor)
            fields.append("total")
        basket_touch(basket, *fields)
        if previous == Stage.BASKET and target > current:
            outbox_record(
                event_type=EventType.BASKET_CHECKOUT_STARTED,
                basket=basket,
                payload={
                    "currency": basket.currency,
                    "value": amount_format(basket.total, basket.currency),
                    "items": outbox_items(lines, basket.currency),
                },
                at=now,
            )
    return basket


def basket_payment_return(*, guid: uuid.UUID | str, actor: Actor) -> Basket:
    """The shopper came back from the payment page: the lock sweep leaves the basket be."""
    with transaction.atomic():
        basket, _ = basket_lock_for_write(guid)
        basket_id = basket.pk
        basket_editable_check(basket)
        if basket.payment_started_at is None:
            raise PaymentNotStarted(
                f"No payment was started for basket {basket.guid}; move it to the payment "
                "stage first.",
                basket_id=basket_id,
            )
        basket.payment_returned_at = timezone.now()
        event_record(basket=basket, action=TimelineAction.PAYMENT_RETURN, actor=actor)
        basket_touch(basket, "payment_returned_at")
    return basket


def basket_resume(*, guid: uuid.UUID | str, actor: Actor) -> Basket:
    """After staff unlocked a basket, the storefront takes it up again (a new session)."""
    with transaction.atomic():
        basket, _ = basket_lock_for_write(guid)
        basket_id = basket.pk
        if basket.status != Status.ACTIVE:
            raise BasketNotEditable(NOT_EDITABLE[Status(basket.status)], basket_id=basket_id)
        if basket_hold_resume(basket, actor=actor):
            basket_touch(basket, "hold_ended_at")
    return basket


def basket_hold_resume(basket: Basket, *, actor: Actor) -> bool:
    """Take up an Active basket whose session staff ended (Unlock) again: clears the end and
    records it. Call with the basket locked; the caller saves ``hold_ended_at``. Returns
    whether there was anything to resume."""
    if basket.hold_ended_at is None:
        return False
    basket.hold_ended_at = None
    event_record(basket=basket, action=TimelineAction.STOREFRONT_RESUME, actor=actor)
    return True
