"""Accounts receivable follow-up (AB-5): staff record that an unpaid order's money came in,
or write it off, with a reason kept in the basket's timeline."""

from django.db import transaction
from django.utils import timezone

from baskets.exceptions import StepNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import Order, ReceivableOutcome, TimelineAction
from baskets.services.actors import Actor
from baskets.services.transitions import event_record

EVENTS = {
    ReceivableOutcome.PAYMENT_RECEIVED: TimelineAction.RECEIVABLE_PAID,
    ReceivableOutcome.WRITTEN_OFF: TimelineAction.RECEIVABLE_WRITTEN_OFF,
}


def order_receivable_settle(
    *, order_id: int, outcome: ReceivableOutcome, reason: str, actor: Actor
) -> bool:
    """Settle an order in accounts receivable as paid or written off, with the reason in the
    basket's timeline; False when already settled so. Locks the basket, then the order."""
    reason = reason.strip()
    if not reason:
        raise StepNotAllowed("Give a reason: it is kept in the basket's timeline.")
    basket_id = Order.objects.filter(pk=order_id).values_list("basket_id", flat=True).first()
    if basket_id is None:
        raise StepNotAllowed(f"Order {order_id} does not exist.")
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.accounts_receivable_outcome == outcome:
            return False
        if order.accounts_receivable_at is None or order.accounts_receivable_settled_at:
            raise StepNotAllowed(
                f"Order {order.number} is not waiting in accounts receivable.", basket_id=basket_id
            )
        now = timezone.now()
        order.accounts_receivable_settled_at = now
        order.accounts_receivable_outcome = outcome
        order.save(update_fields=["accounts_receivable_settled_at", "accounts_receivable_outcome"])
        event_record(
            basket=basket,
            action=EVENTS[ReceivableOutcome(outcome)],
            actor=actor,
            reason=reason,
            payload={"order": order.number, "outcome": outcome},
            at=now,
        )
    return True
