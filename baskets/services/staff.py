"""Staff actions on a basket that are not status changes; each one lands in the timeline."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from ..exceptions import BasketHasOrder, StepNotAllowed, TransitionNotAllowed
from ..locks import basket_lock_row, basket_lock_with_lines, baskets_lock_with_lines
from ..models import (
    Basket,
    BasketEvent,
    GiftCardReservation,
    Order,
    Stage,
    Status,
    TimelineAction,
)
from ..models.basket import STAGE_ORDER
from .actors import Actor
from .gift_cards import basket_gift_cards_release
from .timeline import timeline_row
from .transitions import event_record

# What the batch delete reads of each locked basket.
ID_GUID_STATUS = sql.SQL("basket.id, basket.guid, basket.status")

# Baskets in these statuses hold a payment that has not become an order yet, or an order:
# deleting them would lose money or history.
UNDELETABLE = frozenset({Status.AWAITING_COMPLETION, Status.COMPLETED, Status.COMPLETION_FAILED})


def manage_booking_refusal(basket: Basket) -> str:
    """CB-5: why the manage-booking step cannot be completed on ``basket`` ("" when it can).

    Only an Active basket at the manage-booking stage, not done yet; the grid greys the
    action by this."""
    if basket.status != Status.ACTIVE:
        return _("the basket is %(status)s, not Active.") % {"status": Status(basket.status).label}
    if basket.stage != Stage.MANAGE_BOOKING:
        return _("the basket is at the %(stage)s stage, not Manage booking.") % {
            "stage": Stage(basket.stage).label
        }
    if basket.manage_booking_completed_at is not None:
        return _("it was already completed.")
    return ""


def basket_complete_manage_booking(*, basket_id: int, actor: Actor) -> tuple[Basket, bool]:
    """CB-5: mark the manage-booking step done and move the basket on to Payment, once;
    returns (basket, changed), False when already done. Locks the basket."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        if basket.status == Status.ACTIVE and basket.manage_booking_completed_at is not None:
            return basket, False
        refusal = manage_booking_refusal(basket)
        if refusal:
            raise StepNotAllowed(
                _("Cannot complete the manage booking step: %(why)s") % {"why": refusal},
                basket_id=basket_id,
            )
        now = timezone.now()
        basket.manage_booking_completed_at = now
        basket.stage = STAGE_ORDER[STAGE_ORDER.index(Stage.MANAGE_BOOKING) + 1]
        basket.modified_at = now
        basket.save(update_fields=["manage_booking_completed_at", "stage", "modified_at"])
        event_record(
            basket=basket,
            action=TimelineAction.COMPLETE_MANAGE_BOOKING,
            actor=actor,
            payload={"stage": {"from": Stage.MANAGE_BOOKING.value, "to": basket.stage}},
            at=now,
        )
    return basket, True


def additional_information_refusal(basket: Basket) -> str:
    """CB-6: why additional information cannot be flagged on ``basket`` ("" when it can).

    Only an Active basket: once paid, locked or completed the checkout is over and the flag
    would rewrite what the shopper did."""
    if basket.status != Status.ACTIVE:
        return _("the basket is %(status)s, not Active.") % {"status": Status(basket.status).label}
    return ""


def basket_flag_additional_information(
    *, basket_id: int, actor: Actor, reason: str = ""
) -> tuple[Basket, bool]:
    """CB-6: record that additional information was supplied outside the checkout, on an
    Active basket, once; returns (basket, changed). Locks the basket."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        refusal = additional_information_refusal(basket)
        if refusal:
            raise StepNotAllowed(
                _("Cannot flag additional information: %(why)s") % {"why": refusal},
                basket_id=basket_id,
            )
        if basket.additional_information_supplied_at is not None:
            return basket, False
        now = timezone.now()
        basket.additional_information_supplied_at = now
        basket.modified_at = now
        basket.save(update_fields=["additional_information_supplied_at", "modified_at"])
        event_record(
            basket=basket,
            action=TimelineAction.FLAG_ADDITIONAL_INFORMATION,
            actor=actor,
            reason=reason,
            at=now,
        )
    return basket, True


def basket_delete(*, basket_id: int, actor: Actor, reason: str = "") -> None:
    """BM-1 / LC-4: delete an Active or Locked basket; the timeline keeps a snapshot.

    Locks the lines, then the basket. Refuses baskets that are paid or have an order.
    """
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        if basket.status in UNDELETABLE:
            raise TransitionNotAllowed(action="delete", current=basket.status, basket_id=basket_id)
        if Order.objects.filter(basket_id=basket_id).exists():
            raise BasketHasOrder(
                _("The basket has an order and cannot be deleted."), basket_id=basket_id
            )
        event_record(
            basket=basket,
            action=TimelineAction.DELETE,
            actor=actor,
            reason=reason,
            payload=_delete_snapshot(basket, lines),
        )
        # SH-5: a deleted basket holds no gift card money (released with a movement).
        basket_gift_cards_release(basket, actor=actor, reason=reason)
        basket.delete()


def delete_refusal(status: str, has_order: bool) -> str:
    """BM-1 / LC-4: why a basket cannot be deleted ("" when it can): paid baskets and
    baskets with an order are kept."""
    if status in UNDELETABLE:
        return _("the basket is %(status)s; paid and completed baskets are kept.") % {
            "status": Status(status).label
        }
    if has_order:
        return _("the basket has an order and cannot be deleted.")
    return ""


def baskets_delete(
    *, basket_ids: list[int], actor: Actor, reason: str = ""
) -> tuple[int, list[tuple[str, str]]]:
    """BM-1: delete a batch of baskets at once, each with its timeline snapshot, as
    ``basket_delete`` does one; returns (deleted, [(guid or id, refusal), ...]).

    Locks the batch's lines, then its baskets (one statement), in one transaction; the
    dependants go in one statement per table."""
    refused: list[tuple[str, str]] = []
    with transaction.atomic():
        rows = baskets_lock_with_lines(basket_ids, columns=ID_GUID_STATUS)
        found = {row[0] for row in rows}
        refused += [
            (str(pk), _("the basket no longer exists.")) for pk in basket_ids if pk not in found
        ]
        with_orders = set(
            Order.objects.filter(basket_id__in=found).values_list("basket_id", flat=True)
        )
        deletable = []
        for basket_id, guid, status in rows:
            refusal = delete_refusal(status, basket_id in with_orders)
            if refusal:
                refused.append((str(guid), refusal))
            else:
                deletable.append(basket_id)
        baskets = list(Basket.objects.filter(pk__in=deletable).prefetch_related("lines"))
        now = timezone.now()
        BasketEvent.objects.bulk_create(
            timeline_row(
                basket=basket,
                action=TimelineAction.DELETE,
                actor=actor,
                reason=reason,
                payload=_delete_snapshot(basket, basket.lines.all()),
                at=now,
            )
            for basket in baskets
        )
        holding = set(
            GiftCardReservation.objects.filter(basket_id__in=deletable).values_list(
                "basket_id", flat=True
            )
        )
        for basket in baskets:
            if basket.pk in holding:
                basket_gift_cards_release(basket, actor=actor, reason=reason)
        Basket.objects.filter(pk__in=deletable).delete()
    return len(deletable), refused


def _delete_snapshot(basket: Basket, lines) -> dict:
    return {
        "total": str(basket.total),
        "currency": basket.currency,
        "lines": [
            {
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in lines
        ],
    }
