"""Staff remove a line or change its quantity (seed 001: the one broken line a caller rings
about): only on an Active basket that is neither locked nor paid, with a reason; the basket
is re-priced, the change lands in the timeline and in the outbox.

Decide, then apply: ``line_edit_decide`` reads the locked rows and says what to do or why
not; ``basket_line_edit`` locks, decides, applies.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..exceptions import StepNotAllowed
from ..locks import basket_lock_with_lines
from ..models import Basket, EventType, Line, Status, TimelineAction
from .actors import Actor
from .outbox import outbox_record
from .storefront.holds import basket_reprice
from .timeline import event_record

# Far above any real line, as the storefront's API allows; keeps totals inside the column.
LINE_QUANTITY_MAX = 9999


@dataclass(frozen=True)
class LineEditDecision:
    """What to do with the line: ``quantity`` 0 removes it; ``refusal`` says why not."""

    line: Line | None
    quantity: int
    refusal: str = ""


def line_edit_refusal(basket: Basket) -> str:
    """Why staff may not edit ``basket``'s lines ("" when they may)."""
    if basket.status != Status.ACTIVE:
        return f"the basket is {Status(basket.status).label}, not Active."
    if basket.paid_at is not None:
        return "the basket is paid."
    return ""


def line_edit_decide(
    basket: Basket, lines: list[Line], *, line_id: int, quantity: int, reason: str
) -> LineEditDecision:
    """Pure: the edit ``quantity`` (0 = remove) of line ``line_id`` on the locked rows."""
    line = next((line for line in lines if line.pk == line_id), None)
    refusal = line_edit_refusal(basket)
    if not refusal and line is None:
        refusal = f"the basket has no line {line_id}."
    if not refusal and not 0 <= quantity <= LINE_QUANTITY_MAX:
        refusal = f"the quantity must be a whole number from 1 to {LINE_QUANTITY_MAX} (0 removes)."
    if not refusal and not reason.strip():
        refusal = "give a reason: it is kept in the timeline."
    if not refusal and line.quantity == quantity:
        refusal = f"the line already has quantity {quantity}."
    return LineEditDecision(line=line, quantity=quantity, refusal=refusal)


def basket_line_edit(
    *, basket_id: int, line_id: int, quantity: int, actor: Actor, reason: str
) -> Basket:
    """Set line ``line_id``'s quantity (0 removes the line), re-price, record the change in
    the timeline and the outbox; ``StepNotAllowed`` with the reason otherwise. Locks the
    lines, then the basket."""
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        decision = line_edit_decide(
            basket, lines, line_id=line_id, quantity=quantity, reason=reason
        )
        if decision.refusal:
            raise StepNotAllowed(f"Cannot edit the line: {decision.refusal}", basket_id=basket_id)
        line = decision.line
        before_quantity, before_total = line.quantity, basket.total
        if quantity == 0:
            lines = [other for other in lines if other.pk != line.pk]
            line.delete()
            action = TimelineAction.LINE_REMOVE
        else:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
            action = TimelineAction.LINE_QUANTITY_CHANGE
        basket_reprice(basket, lines)
        now = timezone.now()
        basket.modified_at = now
        basket.save(update_fields=["total", "modified_at"])
        change = {
            "line_id": line_id,
            "product_id": line.product_id,
            "variant_id": line.variant_id,
            "quantity": {"from": before_quantity, "to": quantity},
            "total": {"from": str(before_total), "to": str(basket.total)},
            "currency": basket.currency,
        }
        event_record(
            basket=basket, action=action, actor=actor, reason=reason, payload=change, at=now
        )
        outbox_record(
            event_type=EventType.BASKET_LINES_CHANGED,
            basket=basket,
            payload={"action": action.value, **change},
            at=now,
        )
    return basket
