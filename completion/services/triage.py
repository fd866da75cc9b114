"""Staff triage of Completion Failed baskets (CB-4): requeue with a reason, or close."""

from django.db import transaction
from django.utils import timezone

from baskets.exceptions import TransitionNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import Basket, EventAction, Status
from baskets.services.actors import Actor
from baskets.services.transitions import basket_requeue, event_record

from ..models import CompletionFailureClosure
from ..selectors import completion_failed_now_completable_ids


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


def completion_requeue_now_completable(
    *, actor: Actor, reason: str, basket_ids: list[int] | None = None
) -> list[int]:
    """CB-4: requeue every Completion Failed basket whose withdrawn product the shop made
    available again (of ``basket_ids`` when given), the reason in each timeline; returns
    the requeued ids. Each basket is locked and re-checked by ``basket_requeue``."""
    if not reason.strip():
        raise ValueError("A reason is required to requeue a basket.")
    requeued = []
    for basket_id in completion_failed_now_completable_ids(basket_ids):
        try:
            basket_requeue(basket_id=basket_id, actor=actor, reason=reason)
        except TransitionNotAllowed:
            continue  # staff or another run moved it meanwhile
        requeued.append(basket_id)
    return requeued
