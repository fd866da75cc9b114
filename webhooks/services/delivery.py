"""Fan-out of outbox events to endpoints and the delivery of each, at least once (IN-1).

A delivery is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in a short transaction
that counts the attempt and takes a lease; the HTTP request runs with no lock held; the
outcome is recorded in another short transaction. A worker that dies mid-request leaves
the lease to expire and another worker sends the same message again (same ``webhook-id``),
so a receiver sees every event at least once and can drop repeats by id.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from basketops.log_context import log_context
from baskets.models import EventAction
from baskets.services.actors import Actor
from baskets.services.timeline import basket_note_record

from ..models import TEST_EVENT, DeliveryStatus, WebhookAttempt, WebhookDelivery
from .endpoints import webhook_endpoint_disable_if_failing
from .http import HttpOutcome, webhook_post

logger = logging.getLogger(__name__)
WEBHOOKS = Actor.system("webhooks")
FANOUT_BATCH = 1_000

# Seconds to wait after each failed attempt (the Standard Webhooks reference schedule):
# 8 attempts over about 27 hours, then the delivery is marked failed.
RETRY_DELAYS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Each delay is moved by up to this fraction either way, so endpoints that failed together
# are not all retried in the same second.
JITTER = 0.2

# One statement per batch: take undispatched events (skipping those another worker holds),
# mark them dispatched and make one delivery per active endpoint that wants the event type.
FANOUT_SQL = """
WITH batch AS (
    SELECT id FROM baskets_outboxevent
    WHERE dispatched_at IS NULL
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE baskets_outboxevent AS event SET dispatched_at = %(now)s
    FROM batch WHERE event.id = batch.id
    RETURNING event.id, event.event_type, event.basket_guid, event.payload, event.created_at
), made AS (
    INSERT INTO webhooks_webhookdelivery
        (endpoint_id, event_id, event_type, basket_guid, message_id, payload, occurred_at,
         status, attempts, next_attempt_at, created_at)
    SELECT endpoint.id, marked.id, marked.event_type, marked.basket_guid,
           'msg_' || replace(gen_random_uuid()::text, '-', ''), marked.payload,
           marked.created_at, %(pending)s, 0, %(now)s, %(now)s
    FROM marked
    JOIN webhooks_webhookendpoint AS endpoint
      ON endpoint.active AND marked.event_type = ANY(endpoint.event_types)
    ORDER BY marked.id, endpoint.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM made)
"""


def outbox_fan_out(*, batch_size: int = FANOUT_BATCH) -> tuple[int, int, bool]:
    """Hand one batch of outbox events to the endpoints; (events, deliveries, more left)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            FANOUT_SQL,
            {"limit": batch_size, "now": timezone.now(), "pending": DeliveryStatus.PENDING},
        )
        events, deliveries = cursor.fetchone()
    return events, deliveries, events == batch_size


def webhook_delivery_claim(*, now: datetime | None = None) -> WebhookDelivery | None:
    """Claim the most overdue delivery: one more attempt and a lease, committed at once."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(endpoint__active=True) | Q(event_type=TEST_EVENT))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            lease_until=now + settings.WEBHOOK_LEASE,
        )
    delivery.attempts += 1
    return delivery


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The Standard Webhooks envelope; the same bytes on every attempt."""
    envelope = {
        "type": delivery.event_type,
        "timestamp": delivery.occurred_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def webhook_headers(delivery: WebhookDelivery, body: bytes, at: datetime) -> dict[str, str]:
    """``webhook-id`` (stable), ``webhook-timestamp`` (this attempt), ``webhook-signature``."""
    signature = Webhook(delivery.endpoint.secret).sign(
        msg_id=delivery.message_id, timestamp=at, data=body.decode()
    )
    return {
        "content-type": "application/json",
        "user-agent": "BasketOps-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def retry_delay(attempts: int) -> timedelta:
    """How long after failed attempt number ``attempts`` the next one goes, with jitter."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return timedelta(seconds=base * random.uniform(1 - JITTER, 1 + JITTER))


def webhook_attempt_record(
    *, delivery: WebhookDelivery, outcome: HttpOutcome, at: datetime
) -> WebhookDelivery:
    """Keep the attempt and move the delivery on: delivered, retried later, or failed.

    Locks the delivery row. A failure marks the endpoint failing (and disables it when it
    has failed for WEBHOOK_DISABLE_AFTER); a success clears that mark.
    """
    now = timezone.now()
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=current,
            endpoint_id=current.endpoint_id,
            number=WebhookAttempt.objects.filter(delivery=current).count() + 1,
            attempted_at=at,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            response_excerpt=outcome.response_excerpt,
            error=outcome.error,
            succeeded=outcome.succeeded,
        )
        fields = ["lease_until"]
        current.lease_until = None
        endpoints = type(delivery.endpoint).objects.filter(pk=current.endpoint_id)
        if outcome.succeeded:
            if current.status != DeliveryStatus.SUCCEEDED:
                current.status = DeliveryStatus.SUCCEEDED
                current.delivered_at = now
                fields += ["status", "delivered_at"]
            endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        else:
            if current.status == DeliveryStatus.PENDING:
                if current.attempts >= MAX_ATTEMPTS:
                    current.status = DeliveryStatus.FAILED
                    current.failed_at = now
                    fields += ["status", "failed_at"]
                else:
                    current.next_attempt_at = now + retry_delay(current.attempts)
                    fields.append("next_attempt_at")
            endpoints.filter(failing_since__isnull=True).update(failing_since=at)
            webhook_endpoint_disable_if_failing(endpoint_id=current.endpoint_id, now=now)
        current.save(update_fields=fields)
        if current.basket_guid is not None:
            basket_note_record(
                basket_guid=current.basket_guid,
                action=(
                    EventAction.WEBHOOK_DELIVERED
                    if outcome.succeeded
                    else EventAction.WEBHOOK_ATTEMPT_FAILED
                ),
                actor=WEBHOOKS,
                reason=f"{current.event_type} to {delivery.endpoint.url}",
                payload={
                    "webhook_id": current.message_id,
                    "attempt": current.attempts,
                    "status_code": outcome.status_code,
                    "duration_ms": outcome.duration_ms,
                    "error": outcome.error,
                },
                at=at,
            )
    return current


def webhook_delivery_send(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one claimed delivery (no lock held during the request) and record the attempt."""
    at = timezone.now()
    body = webhook_body(delivery)
    with log_context(basket_guid=str(delivery.basket_guid) if delivery.basket_guid else None):
        outcome = webhook_post(
            delivery.endpoint.url, body=body, headers=webhook_headers(delivery, body, at)
        )
        logger.info(
            "webhook %s %s to endpoint %s attempt %s: %s",
            delivery.event_type,
            delivery.message_id,
            delivery.endpoint_id,
            delivery.attempts,
            outcome.status_code or outcome.error,
        )
        return webhook_attempt_record(delivery=delivery, outcome=outcome, at=at)


def webhook_delivery_redeliver(*, delivery_id: int) -> bool:
    """Send a delivery again by hand, same ``webhook-id``, with a fresh set of retries."""
    now = timezone.now()
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id)
        .exclude(status=DeliveryStatus.PENDING, lease_until__gt=now)
        .update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            lease_until=None,
            failed_at=None,
        )
    )


@dataclass
class DispatchSummary:
    events: int = 0
    deliveries_made: int = 0
    sent: int = 0
    delivered: int = 0
    out_of_time: bool = False


def webhooks_dispatch(
    *, time_budget: float | None = None, on_backlog: Callable[[], None] | None = None
) -> DispatchSummary:
    """One run: fan the outbox out, then send due deliveries until none are due or time is up.

    ``on_backlog`` is called once, when the first delivery is claimed, to bring other workers
    in; they share the work through ``SKIP LOCKED``.
    """
    deadline = time.monotonic() + time_budget if time_budget else None
    summary = DispatchSummary()
    more = True
    while more:
        events, made, more = outbox_fan_out()
        summary.events += events
        summary.deliveries_made += made
    while deadline is None or time.monotonic() < deadline:
        delivery = webhook_delivery_claim()
        if delivery is None:
            return summary
        if on_backlog is not None:
            on_backlog()
            on_backlog = None
        sent = webhook_delivery_send(delivery)
        summary.sent += 1
        summary.delivered += sent.status == DeliveryStatus.SUCCEEDED
    summary.out_of_time = True
    return summary
