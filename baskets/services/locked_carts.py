"""Staff decisions on a locked cart (LC-4): Confirm order, Unlock, Delete.

Each one runs the transition (or the delete) and ends the storefront's hold on the basket
in the same transaction, so the storefront's next write with the old basket answers 409.
Each returns True when it changed the basket, False when it was already done.
"""

from django.db import transaction
from django.utils import timezone

from ..exceptions import BasketNotFound, TransitionNotAllowed
from ..locks import basket_lock_row, basket_lock_with_lines
from ..models import Basket, Status, TimelineAction
from .actors import Actor
from .staff import basket_delete
from .transitions import basket_confirm, basket_unlock, event_record


def _hold_end(basket_id: int) -> None:
    Basket.objects.filter(pk=basket_id).update(hold_ended_at=timezone.now())


def locked_cart_confirm(*, basket_id: int, actor: Actor, reason: str = "") -> bool:
    """Locked -> Awaiting Completion (goes on as paid). Locks the basket."""
    with transaction.atomic():
        before = basket_lock_row(basket_id).status
        basket_confirm(basket_id=basket_id, actor=actor, reason=reason)
        if before != Status.LOCKED:
            return False
        _hold_end(basket_id)
    return True


def locked_cart_unlock(*, basket_id: int, actor: Actor, reason: str = "") -> bool:
    """Locked -> Active with the same contents. Locks the basket.

    Only a Locked cart: an Active one is refused (staff asked to unlock a cart that is not
    locked, so they are looking at the wrong one), never reported "already done"."""
    with transaction.atomic():
        before = basket_lock_row(basket_id).status
        if before != Status.LOCKED:
            raise TransitionNotAllowed(action="unlock", current=before, basket_id=basket_id)
        basket_unlock(basket_id=basket_id, actor=actor, reason=reason)
        _hold_end(basket_id)
    return True


def locked_cart_delete(*, basket_id: int, actor: Actor, reason: str = "") -> bool:
    """Delete a Locked basket (the timeline keeps a snapshot). Locks lines, then basket."""
    with transaction.atomic():
        basket, _lines = basket_lock_with_lines(basket_id)
        if basket.status != Status.LOCKED:
            raise TransitionNotAllowed(
                action="delete locked cart", current=basket.status, basket_id=basket_id
            )
        basket_delete(basket_id=basket_id, actor=actor, reason=reason)
    return True


def locked_cart_provider_answer_record(
    *, basket_id: int, reference: str, actor: Actor, answer: dict, note: str
) -> Basket | None:
    """SH-4: keep what the payment provider said about a locked cart's payment (``reference``)
    in its timeline. Call inside a transaction: locks the basket and returns it, or None
    (nothing written) when it is no longer Locked with that payment reference."""
    try:
        basket = basket_lock_row(basket_id)
    except BasketNotFound:
        return None
    if basket.status != Status.LOCKED or basket.payment_reference != reference:
        return None
    event_record(
        basket=basket,
        action=TimelineAction.PROVIDER_CHECK,
        actor=actor,
        reason=note,
        payload={"payment_reference": reference, **answer},
    )
    return basket
