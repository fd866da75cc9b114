"""Status transitions (SPEC section 2): the only code that writes ``Basket.status``.

Each service locks the basket row, re-reads the status under the lock, returns early when
the basket is already where the caller wants it (so a retry is harmless), refuses any
other source status with ``TransitionNotAllowed``, and writes the status together with
one ``BasketEvent`` in the same transaction.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from scheduling.jobs import COMPLETION_RUN
from scheduling.services import run_request_on_commit

from ..exceptions import TransitionNotAllowed
from ..locks import basket_lock_row, ids_array, text_array
from ..models import Basket, EventType, Status, TimelineAction
from .actors import Actor
from .complete_statement import complete_many_sql
from .gift_cards import basket_gift_cards_debit, basket_gift_cards_release
from .outbox import outbox_dispatch_on_commit, outbox_record_transitions
from .timeline import event_record

# The status graph. Completed is final.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.ACTIVE: frozenset({Status.LOCKED, Status.AWAITING_COMPLETION}),
    Status.LOCKED: frozenset({Status.ACTIVE, Status.AWAITING_COMPLETION}),
    Status.AWAITING_COMPLETION: frozenset({Status.COMPLETED, Status.COMPLETION_FAILED}),
    Status.COMPLETION_FAILED: frozenset({Status.AWAITING_COMPLETION}),
    Status.COMPLETED: frozenset(),
}


# The statuses a basket is paid from (its gift card reservations are debited then).
PAYABLE = frozenset({Status.ACTIVE, Status.LOCKED})


@dataclass(frozen=True)
class TransitionRule:
    sources: frozenset[Status]
    target: Status


# One rule per service; each must be an edge of the graph above.
RULES: dict[TimelineAction, TransitionRule] = {
    TimelineAction.MARK_PAID: TransitionRule(
        frozenset({Status.ACTIVE, Status.LOCKED}), Status.AWAITING_COMPLETION
    ),
    TimelineAction.LOCK: TransitionRule(frozenset({Status.ACTIVE}), Status.LOCKED),
    TimelineAction.UNLOCK: TransitionRule(frozenset({Status.LOCKED}), Status.ACTIVE),
    TimelineAction.CONFIRM: TransitionRule(frozenset({Status.LOCKED}), Status.AWAITING_COMPLETION),
    TimelineAction.COMPLETE: TransitionRule(
        frozenset({Status.AWAITING_COMPLETION}), Status.COMPLETED
    ),
    TimelineAction.FAIL_COMPLETION: TransitionRule(
        frozenset({Status.AWAITING_COMPLETION}), Status.COMPLETION_FAILED
    ),
    TimelineAction.REQUEUE: TransitionRule(
        frozenset({Status.COMPLETION_FAILED}), Status.AWAITING_COMPLETION
    ),
    # AB-5: the upsell timer ran out and the card charge failed; the order is made anyway
    # and waits in accounts receivable.
    TimelineAction.FINALISE_UNPAID: TransitionRule(
        frozenset({Status.ACTIVE}), Status.AWAITING_COMPLETION
    ),
}

for _action, _rule in RULES.items():
    for _source in _rule.sources:
        assert _rule.target in TRANSITIONS[_source], f"{_action}: {_source} -> {_rule.target}"


def _refused_or_done(basket: Basket, action: TimelineAction) -> bool:
    """The rule's check on the locked row: True when the basket is already in the target (a
    retry: nothing to do); ``TransitionNotAllowed`` from any other status than a source."""
    rule = RULES[action]
    current = Status(basket.status)
    if current == rule.target:
        return True
    if current not in rule.sources:
        raise TransitionNotAllowed(action=action, current=current, basket_id=basket.pk)
    return False


def _transition(
    *,
    basket_id: int,
    action: TimelineAction,
    actor: Actor,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    locked_basket: Basket | None = None,
) -> Basket:
    rule = RULES[action]
    with transaction.atomic():
        # A caller that locked the row in this transaction hands it over: one lock, one write.
        basket = locked_basket if locked_basket is not None else basket_lock_row(basket_id)
        current = Status(basket.status)
        if _refused_or_done(basket, action):
            return basket
        now = timezone.now()
        basket.status = rule.target
        basket.modified_at = now
        update_fields = ["status", "modified_at"]
        for field, value in (changes or {}).items():
            setattr(basket, field, value)
            update_fields.append(field)
        basket.save(update_fields=update_fields)
        event_record(
            basket=basket,
            action=action,
            actor=actor,
            reason=reason,
            payload=payload,
            from_status=current,
            at=now,
        )
        outbox_record_transitions(
            baskets=[basket],
            from_statuses={basket.pk: current},
            to_status=rule.target,
            action=action,
            at=now,
        )
        # SH-5: paid (or finalised as an order) takes the reserved gift card money; back to
        # Active (Unlock) ends the payment attempt and gives it back.
        if rule.target == Status.AWAITING_COMPLETION and current in PAYABLE:
            basket_gift_cards_debit(basket, actor=actor)
        elif rule.target == Status.ACTIVE:
            basket_gift_cards_release(basket, actor=actor, reason=reason)
        if rule.target == Status.AWAITING_COMPLETION:
            # SC-1: the order is made when this commits, not at the next periodic run.
            run_request_on_commit(job=COMPLETION_RUN)
    return basket


def basket_mark_paid(
    *,
    basket_id: int,
    actor: Actor,
    payment_reference: str = "",
    masked_card_number: str = "",
    changes: dict[str, Any] | None = None,
    locked_basket: Basket | None = None,
) -> Basket:
    """Active or Locked -> Awaiting Completion on a successful payment (CB-3).

    ``changes``: more columns written with the status; ``locked_basket``: the row, when the
    caller locked it in this transaction."""
    now = timezone.now()
    written: dict[str, Any] = {**(changes or {}), "paid_at": now, "locked_at": None}
    written["lock_reason"] = ""
    if payment_reference:
        written["payment_reference"] = payment_reference
    if masked_card_number:
        written["masked_card_number"] = masked_card_number
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.MARK_PAID,
        actor=actor,
        payload={"payment_reference": payment_reference},
        changes=written,
        locked_basket=locked_basket,
    )


def basket_lock(
    *,
    basket_id: int,
    actor: Actor,
    reason: str,
    changes: dict[str, Any] | None = None,
    locked_basket: Basket | None = None,
) -> Basket:
    """Active -> Locked: no edits until staff act (LC-1). ``changes`` and ``locked_basket``
    as for ``basket_mark_paid``."""
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.LOCK,
        actor=actor,
        reason=reason,
        changes={**(changes or {}), "locked_at": timezone.now(), "lock_reason": reason[:200]},
        locked_basket=locked_basket,
    )


def basket_unlock(*, basket_id: int, actor: Actor, reason: str = "") -> Basket:
    """Locked -> Active with the same contents (LC-4)."""
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.UNLOCK,
        actor=actor,
        reason=reason,
        # The payment attempt is over; the lock sweep must not lock the basket again.
        changes={"locked_at": None, "lock_reason": "", "payment_started_at": None},
    )


def basket_confirm(*, basket_id: int, actor: Actor, reason: str = "") -> Basket:
    """Locked -> Awaiting Completion: staff saw the payment at the provider (LC-4)."""
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.CONFIRM,
        actor=actor,
        reason=reason,
        changes={"paid_at": timezone.now(), "locked_at": None, "lock_reason": ""},
    )


def basket_complete(
    *, basket_id: int, actor: Actor, payload: dict[str, Any] | None = None
) -> Basket:
    """Awaiting Completion -> Completed; call in the transaction that made the order.

    ``baskets_complete_many`` for a batch of one (the engine's statement), after the rule's
    check on the locked row."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        if _refused_or_done(basket, TimelineAction.COMPLETE):
            return basket
        baskets_complete_many(
            basket_ids=[basket_id], actor=actor, payloads={basket_id: payload or {}}
        )
        basket.refresh_from_db()
    return basket


def baskets_complete_many(
    *,
    basket_ids: list[int],
    actor: Actor,
    payloads: dict[int, dict[str, Any]],
) -> list[int]:
    """Awaiting Completion -> Completed for a batch, in the transaction that made the orders.

    One statement (``complete_statement``): locks the rows in id order, completes only those
    still awaiting with their booking columns, one event each (``payloads`` by basket id),
    basket.status_changed and order.created in the outbox; returns their ids. The engine
    runs it for a batch, ``basket_complete`` for one basket.
    """
    if not basket_ids:
        return []
    rule = RULES[TimelineAction.COMPLETE]
    now = timezone.now()
    outbox_dispatch_on_commit()
    # One statement: atomic by itself, in the caller's transaction.
    with connection.cursor() as cursor:
        cursor.execute(
            complete_many_sql(),
            {
                "ids": ids_array(basket_ids),
                "sources": text_array(status.value for status in rule.sources),
                "target": rule.target.value,
                "action": TimelineAction.COMPLETE.value,
                "actor_id": actor.user.pk if actor.user is not None else None,
                "actor_label": actor.label[:150],
                "payloads": json.dumps({str(pk): payload for pk, payload in payloads.items()}),
                "now": now,
                "outbox_status_changed": EventType.BASKET_STATUS_CHANGED.value,
                "outbox_order_created": EventType.ORDER_CREATED.value,
                "outbox_changed_at": now.isoformat(),
            },
        )
        return [row[0] for row in cursor.fetchall()]


def basket_fail_completion(*, basket_id: int, actor: Actor, error: str) -> Basket:
    """Awaiting Completion -> Completion Failed: no automatic attempt after this (CB-4)."""
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.FAIL_COMPLETION,
        actor=actor,
        reason=error,
        changes={"completion_lease_until": None, "last_error": error},
    )


def basket_requeue(*, basket_id: int, actor: Actor, reason: str) -> Basket:
    """Completion Failed -> Awaiting Completion with a fresh set of attempts."""
    return _transition(
        basket_id=basket_id,
        action=TimelineAction.REQUEUE,
        actor=actor,
        reason=reason,
        changes={
            "completion_attempts": 0,
            "last_attempt_at": None,
            "completion_lease_until": None,
        },
    )


def basket_finalise_unpaid(*, basket_id: int, actor: Actor, reason: str) -> Basket:
    """Active -> Awaiting Completion without a payment: the order goes to accounts receivable."""
    return _transition(
        basket_id=basket_id, action=TimelineAction.FINALISE_UNPAID, actor=actor, reason=reason
    )


# Every service above by its action name, for the tests that walk the whole status table
# (every status x every service) and the process races.
TRANSITION_SERVICES = {
    "mark_paid": basket_mark_paid,
    "lock": basket_lock,
    "unlock": basket_unlock,
    "confirm": basket_confirm,
    "complete": basket_complete,
    "fail_completion": basket_fail_completion,
    "requeue": basket_requeue,
    "finalise_unpaid": basket_finalise_unpaid,
}
