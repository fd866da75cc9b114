"""Staff triage of Completion Failed baskets (CB-4): requeue with a reason, or close."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baskets.exceptions import BasketError, TransitionNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import Basket, Status, TimelineAction
from baskets.services.actors import Actor
from baskets.services.bulk_jobs import BulkAction, bulk_action_register
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
        _closure, created = CompletionFailureClosure.objects.get_or_create(
            basket=basket,
            defaults={"closed_at": timezone.now(), "closed_by": actor.user, "reason": reason},
        )
        if created:
            event_record(
                basket=basket,
                action=TimelineAction.CLOSE_COMPLETION_FAILURE,
                actor=actor,
                reason=reason,
            )
    return created


def completion_requeue_now_completable(
    *, actor: Actor, reason: str, basket_ids: list[int] | None = None
) -> list[int]:
    """CB-4: requeue every Completion Failed basket whose withdrawn product or missing price
    the shop made available again (of ``basket_ids`` when given), the reason in each
    timeline; returns the requeued ids. Each basket is locked and re-checked by
    ``basket_requeue``."""
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


def completion_requeue_if_now_completable(*, basket_id: int, actor: Actor, reason: str) -> None:
    """CB-4 for one basket: requeue it when its withdrawn product or missing price is
    available again; refuse (BasketError) otherwise, so a list of baskets reports which were
    left as they are."""
    if not completion_requeue_now_completable(actor=actor, reason=reason, basket_ids=[basket_id]):
        raise BasketError(
            _(
                "not requeued: its failure was not a withdrawn product or a missing price, or "
                "the shop has not made it available again."
            ),
            basket_id=basket_id,
        )


class TriageAction:
    """The triage's kinds of bulk action (BM-1), registered when the app is ready."""

    REQUEUE = "completion_requeue"
    REQUEUE_NOW_COMPLETABLE = "completion_requeue_now_completable"
    CLOSE = "completion_close"


def triage_bulk_actions_register() -> None:
    for action in (
        BulkAction(
            TriageAction.REQUEUE,
            gettext_lazy("Requeue for completion"),
            gettext_lazy("Requeued"),
            completion_requeue,
        ),
        BulkAction(
            TriageAction.REQUEUE_NOW_COMPLETABLE,
            gettext_lazy("Requeue those that would now succeed"),
            gettext_lazy("Requeued"),
            completion_requeue_if_now_completable,
        ),
        BulkAction(
            TriageAction.CLOSE,
            gettext_lazy("Close (handled by hand)"),
            gettext_lazy("Closed"),
            completion_failure_close,
        ),
    ):
        bulk_action_register(action)
