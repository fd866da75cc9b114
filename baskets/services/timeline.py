"""Notes in a basket's timeline from other parts of the product (a webhook attempt, ...).

Callers name the basket by GUID, so ``baskets`` needs to know nothing about them.
"""

import uuid
from datetime import datetime
from typing import Any

from ..models import Basket, BasketEvent
from .actors import Actor
from .transitions import event_record


def basket_note_record(
    *,
    basket_guid: uuid.UUID,
    action: str,
    actor: Actor,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> BasketEvent | None:
    """Add a note (no status change) to the timeline of the basket; None if it is gone."""
    basket = Basket.objects.only("id", "guid", "status").filter(guid=basket_guid).first()
    if basket is None:
        return None
    return event_record(
        basket=basket, action=action[:40], actor=actor, reason=reason, payload=payload, at=at
    )
