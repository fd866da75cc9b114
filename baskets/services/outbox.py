"""The outbox (IN-1): record domain events in the caller's transaction.

Every function here runs inside the transaction that makes the change it reports, so the
event commits or rolls back with it, and asks for a webhook dispatch run when it commits
(SC-2). Payloads carry what a receiver needs to act (GUID,
statuses, order number, totals) and nothing personal; card numbers never get here.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from scheduling.jobs import WEBHOOK_DISPATCH
from scheduling.services import run_request_on_commit
from security.cards import card_numbers_redact

from ..currencies import amount_format
from ..models import Basket, EventType, Line, OutboxEvent, Product, Status


def outbox_record(
    *, event_type: EventType, basket: Basket, payload: dict[str, Any], at: datetime | None = None
) -> OutboxEvent:
    """Record one event about ``basket`` (call inside the change's transaction)."""
    outbox_dispatch_on_commit()
    return OutboxEvent.objects.create(
        event_type=event_type,
        basket_id=basket.pk,
        basket_guid=basket.guid,
        payload={"basket_guid": str(basket.guid), **payload},
        created_at=at or timezone.now(),
    )


def outbox_items(
    lines: Iterable[Line], currency: str, *, names: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Lines as the items an event carries: product ID and name, unit price as text with
    the currency's digits, quantity (what an analytics receiver needs; nothing personal).
    ``names``: product names by ID when the caller has them, else they are read."""
    lines = list(lines)
    if names is None:
        products = Product.objects.filter(pk__in={line.product_id for line in lines})
        names = dict(products.values_list("pk", "name"))
    return [
        {
            "item_id": line.product_id,
            "item_name": names.get(line.product_id, ""),
            "item_variant": line.variant_id,
            "price": amount_format(line.unit_price, currency),
            "quantity": line.quantity,
        }
        for line in lines
    ]


def outbox_dispatch_on_commit() -> None:
    """SC-2: events written in this transaction leave when it commits, not at the next
    periodic dispatch; every writer of outbox rows calls this."""
    run_request_on_commit(job=WEBHOOK_DISPATCH)


def status_changed_payload(
    *, basket_guid, from_status: str, to_status: str, action: str, at: datetime
) -> dict[str, Any]:
    """basket.status_changed's payload (the Completed statement builds the same in SQL:
    ``complete_statement.STATUS_CHANGED_PAYLOAD``)."""
    return {
        "basket_guid": str(basket_guid),
        "from_status": str(from_status),
        "to_status": str(to_status),
        "action": str(action),
        "changed_at": at.isoformat(),
    }


def _status_events(
    basket: Basket, from_status: str, to_status: str, action: str, at: datetime
) -> list[OutboxEvent]:
    events = [
        OutboxEvent(
            event_type=EventType.BASKET_STATUS_CHANGED,
            basket_id=basket.pk,
            basket_guid=basket.guid,
            payload=status_changed_payload(
                basket_guid=basket.guid,
                from_status=from_status,
                to_status=to_status,
                action=action,
                at=at,
            ),
            created_at=at,
        )
    ]
    if to_status == Status.COMPLETION_FAILED:
        events.append(
            OutboxEvent(
                event_type=EventType.COMPLETION_FAILED,
                basket_id=basket.pk,
                basket_guid=basket.guid,
                payload={
                    "basket_guid": str(basket.guid),
                    "attempts": basket.completion_attempts,
                    # The reason staff see in triage, without anything card-like in it.
                    "error": card_numbers_redact(basket.last_error or "")[:500],
                    "failed_at": at.isoformat(),
                },
                created_at=at,
            )
        )
    return events


def outbox_record_transitions(
    *,
    baskets: Iterable[Basket],
    from_statuses: dict[int, str],
    to_status: str,
    action: str,
    at: datetime,
) -> None:
    """basket.status_changed for each basket (and completion.failed when it failed), in bulk."""
    events = [
        event
        for basket in baskets
        for event in _status_events(basket, from_statuses[basket.pk], to_status, action, at)
    ]
    if events:
        OutboxEvent.objects.bulk_create(events)
        outbox_dispatch_on_commit()
