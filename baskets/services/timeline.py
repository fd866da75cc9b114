"""Baskets' timelines: one entry per event (``event_record``), and notes from other parts
of the product (a webhook attempt, ...), which name baskets by GUID so ``baskets`` needs to
know nothing about them.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from ..models import Basket, BasketEvent
from .actors import Actor


@dataclass(frozen=True)
class BasketNote:
    basket_guid: uuid.UUID
    action: str
    reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def timeline_row(
    *,
    basket: Basket,
    action: str,
    actor: Actor,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    from_status: str | None = None,
    at: datetime | None = None,
) -> BasketEvent:
    """One timeline row, unsaved: the one rule for what an entry holds, for every writer
    (one entry, notes, a batch delete). The Completed statement writes the same columns in
    SQL (``complete_statement``); a parity test compares the two."""
    return BasketEvent(
        basket=basket,
        basket_guid=basket.guid,
        action=str(action)[:40],
        from_status=from_status if from_status is not None else basket.status,
        to_status=basket.status,
        actor=actor.user,
        actor_label=actor.label[:150],
        reason=reason,
        payload=payload or {},
        created_at=at or timezone.now(),
    )


def basket_notes_record(*, notes: list[BasketNote], actor: Actor) -> int:
    """Add notes (no status change) to the baskets' timelines in two statements; notes about
    baskets that no longer exist are dropped. Returns how many were written."""
    if not notes:
        return 0
    baskets = {
        basket.guid: basket
        for basket in Basket.objects.only("id", "guid", "status").filter(
            guid__in={note.basket_guid for note in notes}
        )
    }
    events = BasketEvent.objects.bulk_create(
        timeline_row(
            basket=baskets[note.basket_guid],
            action=note.action,
            actor=actor,
            reason=note.reason,
            payload=note.payload,
            at=note.at,
        )
        for note in notes
        if note.basket_guid in baskets
    )
    return len(events)


def event_record(**row: Any) -> BasketEvent:
    """Append one entry to the basket's timeline (call inside the caller's transaction);
    takes the arguments of ``timeline_row``."""
    event = timeline_row(**row)
    event.save(force_insert=True)
    return event
