"""Staff triage of Completion Failed baskets (CB-4): requeue with a reason, or close."""

from django.db import transaction
from django.utils import timezone

from baskets.exceptions import TransitionNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import Basket, EventAction, Status
from baskets.services.actors import Actor
from baskets.services.transitions import basket_requeue, event_record

from ..models import CompletionFailureClosure


def completion_requeue(*, basket_id: int, actor: Actor, reason: str) -> Basket:
    """Give a Completion Failed basket a fresh set of attempts; the reason is recorded."""
    if not reason.strip():
        raise ValueError("A reason is required to requeue a basket.")
    return basket_requeue(basket_id=basket_id, actor=actor, reason=reason)


def completion_failure_close(*, basket_id: int, actor: Actor, reason: str) -> bool:
    """Close a Completion Failed basket handled by hand; False if it was already closed."""
    if not reason.strip():
        raise ValueError("A reason is required to close a basket.")
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        if basket.status != Status.COMPLETION_FAILED:
            raise TransitionNotAllowed(action="close", current=basket.status, basket_id=basket_id)
        _, created = CompletionFailureClosure.objects.get_or_create(
            basket=basket,
            defaults={"closed_at": timezone.now(), "closed_by": actor.user, "reason": reason},
        )
        if created:
            event_record(
                basket=basket,
                action=EventAction.CLOSE_COMPLETION_FAILURE,
                actor=actor,
                reason=reason,
            )
    return created
