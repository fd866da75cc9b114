"""Outbox events sent to Google Analytics 4 through the Measurement Protocol.

Off unless ``GA4_MEASUREMENT_ID`` and ``GA4_API_SECRET`` are both set. The outbox fan-out
queues the events GA4 wants (``ga4_events_queue``, in the transaction that marks them
dispatched); a Celery task claims due events with ``SKIP LOCKED`` and a lease, builds each
into a Measurement Protocol event, and posts them, up to 25 per request (GA4's limit, one
``client_id`` per request). A failed request is retried with backoff; no request of a
shopper or of staff ever waits for GA4.

Mapping: ``basket.line_added`` -> ``add_to_cart``, ``basket.checkout_started`` ->
``begin_checkout``, ``order.created`` -> ``purchase``, ``basket.abandoned`` ->
``GA4_ABANDONMENT_EVENT`` (``basket_abandoned``). The ``client_id`` is a keyed hash of the
shopper's shop account (a login) or of the basket (anonymous): stable, pseudonymous, and
no e-mail or name ever leaves.
"""

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from baskets.models import Basket, EventType, Line, Order, OrderLine, OutboxEvent, Product

from .models import GA4Event, GA4Status

logger = logging.getLogger(__name__)

# GA4 takes at most 25 events per request.
EVENTS_PER_REQUEST = 25
# GA4 drops events dated more than 72 hours back; older ones are not sent.
MAX_AGE = timedelta(hours=72)
# Seconds to wait after each failed attempt: 7 attempts over about 8.5 hours.
RETRY_DELAYS = (10, 60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2


def ga4_enabled() -> bool:
    return bool(settings.GA4_MEASUREMENT_ID and settings.GA4_API_SECRET)


def ga4_event_names() -> dict[str, str]:
    """Outbox event type -> GA4 event name."""
    return {
        EventType.BASKET_LINE_ADDED.value: "add_to_cart",
        EventType.BASKET_CHECKOUT_STARTED.value: "begin_checkout",
        EventType.ORDER_CREATED.value: "purchase",
        EventType.BASKET_ABANDONED.value: settings.GA4_ABANDONMENT_EVENT,
    }


# The outbox events of the given ids that GA4 wants, queued once each (the fan-out passes
# the events it has just marked dispatched, in its transaction).
QUEUE_SQL = f"""
INSERT INTO {GA4Event._meta.db_table}
    (outbox_event_id, event_type, basket_id, basket_guid, payload, occurred_at, status,
     attempts, next_attempt_at, last_error, created_at)
SELECT event.id, event.event_type, event.basket_id, event.basket_guid, event.payload,
       event.created_at, %(pending)s, 0, %(now)s, '', %(now)s
FROM {OutboxEvent._meta.db_table} AS event
WHERE event.id = ANY(%(ids)s) AND event.event_type = ANY(%(types)s)
ORDER BY event.id
ON CONFLICT (outbox_event_id) DO NOTHING
"""  # noqa: S608 (table names from model metadata, values bound)


def ga4_events_queue(*, outbox_event_ids: list[int]) -> int:
    """Queue for GA4 those of the outbox events (just handed on) it wants; nothing while GA4
    is off. Call in the transaction that marks them dispatched, so each is queued once."""
    if not ga4_enabled() or not outbox_event_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            QUEUE_SQL,
            {
                "ids": list(outbox_event_ids),
                "types": list(ga4_event_names()),
                "pending": GA4Status.PENDING.value,
                "now": timezone.now(),
            },
        )
        return cursor.rowcount


def ga4_client_id(identity: str) -> str:
    """A stable pseudonymous ``client_id`` for a shop account's or a basket's GUID."""
    return salted_hmac("basketops.analytics.ga4.client_id", identity).hexdigest()[:32]


def ga4_collect_url() -> str:
    return settings.GA4_BASE_URL.rstrip("/") + "/mp/collect"


def retry_delay(attempts: int) -> timedelta:
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def ga4_events_claim(*, limit: int, now: datetime | None = None) -> list[GA4Event]:
    """Claim up to ``limit`` due events, oldest first: one more attempt each and a lease,
    committed at once (skipping rows another sender holds)."""
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            GA4Event.objects.select_for_update(skip_locked=True)
            .filter(status=GA4Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("next_attempt_at", "id")[:limit]
        )
        GA4Event.objects.filter(pk__in=[event.pk for event in events]).update(
            attempts=F("attempts") + 1, lease_until=now + settings.GA4_LEASE
        )
    for event in events:
        event.attempts += 1
    return events


def _number(amount: str | Decimal | None) -> float:
    return float(Decimal(str(amount or 0)))


def _item(item_id: str, name: str, variant: str, price, quantity: int) -> dict[str, Any]:
    item = {"item_id": item_id, "item_name": name, "price": _number(price), "quantity": quantity}
    if variant:
        item["item_variant"] = variant
    return item


@dataclass
class _Context:
    """What building a batch's events reads from the database, once per batch."""

    client_ids: dict[int, str]
    orders: dict[str, Order]
    order_lines: dict[int, list[OrderLine]]
    basket_lines: dict[int, list[Line]]
    names: dict[str, str]


def _context(events: list[GA4Event]) -> _Context:
    basket_ids = {event.basket_id for event in events if event.basket_id is not None}
    client_ids = {
        basket_id: ga4_client_id(str(account_guid or basket_guid))
        for basket_id, basket_guid, account_guid in Basket.objects.filter(
            pk__in=basket_ids
        ).values_list("pk", "guid", "shop_account__guid")
    }
    numbers = [
        event.payload.get("order_number")
        for event in events
        if event.event_type == EventType.ORDER_CREATED
    ]
    orders = {order.number: order for order in Order.objects.filter(number__in=numbers)}
    order_lines: dict[int, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=orders.values()).order_by("id"):
        order_lines.setdefault(line.order_id, []).append(line)
    abandoned = {
        event.basket_id for event in events if event.event_type == EventType.BASKET_ABANDONED
    }
    basket_lines: dict[int, list[Line]] = {}
    for line in Line.objects.filter(basket_id__in=abandoned).order_by("id"):
        basket_lines.setdefault(line.basket_id, []).append(line)
    product_ids = {line.product_id for lines in order_lines.values() for line in lines} | {
        line.product_id for lines in basket_lines.values() for line in lines
    }
    names = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
    return _Context(client_ids, orders, order_lines, basket_lines, names)


def _lines_items(lines: Iterable[Line | OrderLine], names: dict[str, str]) -> list[dict]:
    return [
        _item(
            line.product_id,
            names.get(line.product_id, ""),
            line.variant_id,
            line.unit_price,
            line.quantity,
        )
        for line in lines
    ]


def ga4_event_build(event: GA4Event, context: _Context) -> dict[str, Any]:
    """The Measurement Protocol event for a queued outbox event: its name, its params
    (currency, value, items) and when it happened."""
    payload = event.payload
    params: dict[str, Any] = {"currency": payload.get("currency", "")}
    if event.event_type == EventType.ORDER_CREATED:
        order = context.orders.get(payload.get("order_number", ""))
        params["transaction_id"] = payload.get("order_number", "")
        params["value"] = _number(payload.get("total"))
        params["items"] = (
            _lines_items(context.order_lines.get(order.pk, []), context.names) if order else []
        )
    elif event.event_type == EventType.BASKET_ABANDONED:
        params["value"] = _number(payload.get("total"))
        params["items"] = _lines_items(context.basket_lines.get(event.basket_id, []), context.names)
    else:
        params["value"] = _number(payload.get("value"))
        params["items"] = [
            _item(
                item["item_id"],
                item.get("item_name", ""),
                item.get("item_variant", ""),
                item.get("price"),
                item.get("quantity", 1),
            )
            for item in payload.get("items", [])
        ]
    return {
        "name": ga4_event_names()[event.event_type],
        "params": params,
        "timestamp_micros": int(event.occurred_at.timestamp() * 1_000_000),
    }


def ga4_requests_build(events: list[GA4Event]) -> list[tuple[list[GA4Event], dict[str, Any]]]:
    """The requests for a batch: one ``client_id`` each, at most 25 events each, in the
    order the events happened; (the events, the JSON body)."""
    context = _context(events)
    by_client: dict[str, list[GA4Event]] = {}
    for event in sorted(events, key=lambda event: event.pk):
        client_id = context.client_ids.get(event.basket_id) or ga4_client_id(
            str(event.basket_guid or event.outbox_event_id)
        )
        by_client.setdefault(client_id, []).append(event)
    requests = []
    for client_id, client_events in by_client.items():
        for start in range(0, len(client_events), EVENTS_PER_REQUEST):
            chunk = client_events[start : start + EVENTS_PER_REQUEST]
            body = {
                "client_id": client_id,
                "events": [ga4_event_build(event, context) for event in chunk],
            }
            requests.append((chunk, body))
    return requests


def ga4_post(client: httpx.Client, body: dict[str, Any]) -> str:
    """POST one request; "" when GA4 took it, else what went wrong (no secret in it)."""
    try:
        response = client.post(
            ga4_collect_url(),
            params={
                "measurement_id": settings.GA4_MEASUREMENT_ID,
                "api_secret": settings.GA4_API_SECRET,
            },
            json=body,
        )
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}".replace(settings.GA4_API_SECRET, "***")[:300]
    if response.is_success:
        return ""
    return f"HTTP {response.status_code}"


def _record(events: list[GA4Event], error: str, now: datetime) -> None:
    ids = [event.pk for event in events]
    pending = GA4Event.objects.filter(pk__in=ids, status=GA4Status.PENDING)
    if not error:
        pending.update(status=GA4Status.SENT, sent_at=now, lease_until=None, last_error="")
        return
    for event in events:
        if event.attempts >= MAX_ATTEMPTS:
            changes = {"status": GA4Status.FAILED, "failed_at": now}
        else:
            changes = {"next_attempt_at": now + retry_delay(event.attempts)}
        pending.filter(pk=event.pk).update(lease_until=None, last_error=error, **changes)


@dataclass
class SendSummary:
    events: int = 0
    requests: int = 0
    sent: int = 0
    failed_requests: int = 0
    too_old: int = 0
    out_of_time: bool = False


def ga4_send(*, time_budget: float | None = None) -> SendSummary:
    """Send every due event, a batch at a time, until none is due or time is up."""
    summary = SendSummary()
    if not ga4_enabled():
        return summary
    deadline = time.monotonic() + time_budget if time_budget else None
    timeout = httpx.Timeout(settings.GA4_TIMEOUT_SECONDS)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                summary.out_of_time = True
                return summary
            events = ga4_events_claim(limit=settings.GA4_SEND_BATCH)
            if not events:
                return summary
            summary.events += len(events)
            now = timezone.now()
            too_old = [event for event in events if event.occurred_at < now - MAX_AGE]
            if too_old:
                GA4Event.objects.filter(pk__in=[event.pk for event in too_old]).update(
                    status=GA4Status.FAILED,
                    failed_at=now,
                    lease_until=None,
                    last_error="older than GA4 accepts (72 hours)",
                )
                summary.too_old += len(too_old)
            fresh = [event for event in events if event not in too_old]
            requests = ga4_requests_build(fresh) if fresh else []
            for number, (chunk, body) in enumerate(requests):
                error = ga4_post(client, body)
                summary.requests += 1
                if not error:
                    _record(chunk, "", timezone.now())
                    summary.sent += len(chunk)
                    continue
                # GA4 is away: the rest of the batch waits its retry too, unsent, so a batch
                # never outlasts its lease one timeout after another; the run ends here.
                unsent = [event for rest, _body in requests[number:] for event in rest]
                _record(unsent, error, timezone.now())
                summary.failed_requests += 1
                logger.warning("GA4: %s events not taken: %s", len(unsent), error)
                return summary


def ga4_events_purge(*, before: datetime, batch_size: int = 5_000) -> int:
    """Delete one batch of sent or failed events recorded before ``before``."""
    ids = list(
        GA4Event.objects.filter(created_at__lt=before)
        .exclude(status=GA4Status.PENDING)
        .order_by("id")
        .values_list("pk", flat=True)[:batch_size]
    )
    return GA4Event.objects.filter(pk__in=ids).delete()[0]
