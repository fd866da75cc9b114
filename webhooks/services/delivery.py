"""Fan-out of outbox events to endpoints and the delivery of each, at least once (IN-1).

A delivery is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in a short transaction
that counts the attempt and takes a lease; the HTTP request runs with no lock held; the
outcome is recorded in another short transaction. A worker that dies mid-request leaves
the lease to expire and another worker sends the same message again (same ``webhook-id``),
so a receiver sees every event at least once and can drop repeats by id. While the worker
lives, a thread renews the lease of what it sends (SC-3), so the lease can be short.
"""

import json
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from analytics.services import ga4_events_queue
from basketops.log_context import log_context
from baskets.models import TimelineAction
from baskets.personal_data import url_hosts_only
from baskets.services.actors import Actor
from baskets.services.timeline import BasketNote, basket_notes_record
from scheduling.leases import lease_kept

from ..models import (
    TEST_EVENT,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
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
# mark them dispatched and make one delivery per active endpoint that wants the event type;
# the ids of the events marked come back for the other consumers of the outbox.
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
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM made),
       (SELECT COALESCE(array_agg(id), '{}') FROM marked)
"""


def outbox_fan_out(*, batch_size: int = FANOUT_BATCH) -> tuple[int, int, bool]:
    """Hand one batch of outbox events to the endpoints, and to Google Analytics when it is
    on (``analytics``), in one transaction; (events, deliveries, more left)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            FANOUT_SQL,
            {"limit": batch_size, "now": timezone.now(), "pending": DeliveryStatus.PENDING},
        )
        events, deliveries, event_ids = cursor.fetchone()
        ga4_events_queue(outbox_event_ids=event_ids)
    return events, deliveries, events == batch_size


def webhook_deliveries_claim(*, limit: int, now: datetime | None = None) -> list[WebhookDelivery]:
    """Claim up to ``limit`` due deliveries, most overdue first: one more attempt each and a
    lease, committed at once (locks only those rows, skipping rows others hold)."""
    now = now or timezone.now()
    with transaction.atomic():
        deliveries = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(endpoint__active=True) | Q(event_type=TEST_EVENT))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .order_by("next_attempt_at", "id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).update(
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            lease_until=now + settings.WEBHOOK_LEASE,
        )
    for delivery in deliveries:
        delivery.attempts += 1
    return deliveries


# The claimed deliveries this worker still sends get a fresh lease; rows being recorded
# (locked) are skipped, nothing waits for a lock.
RENEW_SQL = """
UPDATE webhooks_webhookdelivery AS delivery SET lease_until = %(lease_until)s
WHERE delivery.id IN (
    SELECT held.id FROM webhooks_webhookdelivery AS held
    WHERE held.id = ANY(%(ids)s) AND held.status = %(pending)s AND held.lease_until IS NOT NULL
    FOR UPDATE SKIP LOCKED
)
"""


def webhook_leases_renew(*, delivery_ids: list[int]) -> int:
    """Renew the lease of claimed deliveries still pending; autocommitted, never waits."""
    with connection.cursor() as cursor:
        cursor.execute(
            RENEW_SQL,
            {
                "ids": delivery_ids,
                "pending": DeliveryStatus.PENDING,
                "lease_until": timezone.now() + settings.WEBHOOK_LEASE,
            },
        )
        return cursor.rowcount


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


@dataclass(frozen=True)
class Sent:
    delivery: WebhookDelivery
    at: datetime
    outcome: HttpOutcome


def _post(delivery: WebhookDelivery) -> Sent:
    at = timezone.now()
    body = webhook_body(delivery)
    outcome = webhook_post(
        delivery.endpoint.url, body=body, headers=webhook_headers(delivery, body, at)
    )
    return Sent(delivery, at, outcome)


def webhook_deliveries_send(deliveries: list[WebhookDelivery]) -> list[Sent]:
    """POST each claimed delivery, all at once in threads; no database work, no lock held.

    A batch takes as long as its slowest receiver (at most ``WEBHOOK_ATTEMPT_DEADLINE``),
    inside the lease.
    """
    if len(deliveries) == 1:
        return [_post(deliveries[0])]
    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        return list(pool.map(_post, deliveries))


def webhook_attempts_record(sent: list[Sent]) -> list[WebhookDelivery]:
    """Keep every attempt and move each delivery on: delivered, retried later, or failed.

    One transaction; locks the batch's delivery rows in id order. A failure marks its
    endpoint failing (disabling it after WEBHOOK_DISABLE_AFTER); a success clears the mark.
    Each attempt also becomes a note in the basket's timeline.
    """
    now = timezone.now()
    by_id = {item.delivery.pk: item for item in sent}
    with transaction.atomic():
        current = list(
            WebhookDelivery.objects.select_for_update(of=("self",))
            .filter(pk__in=by_id)
            .select_related("endpoint")
            .order_by("pk")
        )
        earlier = dict(
            WebhookAttempt.objects.filter(delivery_id__in=by_id)
            .values_list("delivery_id")
            .annotate(total=Count("id"))
        )
        WebhookAttempt.objects.bulk_create(
            WebhookAttempt(
                delivery=delivery,
                endpoint_id=delivery.endpoint_id,
                number=earlier.get(delivery.pk, 0) + 1,
                attempted_at=by_id[delivery.pk].at,
                status_code=by_id[delivery.pk].outcome.status_code,
                duration_ms=by_id[delivery.pk].outcome.duration_ms,
                response_excerpt=by_id[delivery.pk].outcome.response_excerpt,
                error=by_id[delivery.pk].outcome.error,
                succeeded=by_id[delivery.pk].outcome.succeeded,
            )
            for delivery in current
        )
        succeeded_endpoints: set[int] = set()
        failed_endpoints: dict[int, datetime] = {}
        for delivery in current:
            item = by_id[delivery.pk]
            _delivery_advance(delivery, item.outcome, now)
            if item.outcome.succeeded:
                succeeded_endpoints.add(delivery.endpoint_id)
            else:
                failed_endpoints.setdefault(delivery.endpoint_id, item.at)
        WebhookDelivery.objects.bulk_update(
            current, ["status", "delivered_at", "failed_at", "next_attempt_at", "lease_until"]
        )
        # One endpoint row at a time in id order, so two recorders never deadlock on them.
        for endpoint_id in sorted(succeeded_endpoints | set(failed_endpoints)):
            endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id)
            if endpoint_id in succeeded_endpoints:
                endpoint.filter(failing_since__isnull=False).update(failing_since=None)
                continue
            endpoint.filter(failing_since__isnull=True).update(
                failing_since=failed_endpoints[endpoint_id]
            )
            webhook_endpoint_disable_if_failing(endpoint_id=endpoint_id, now=now)
        basket_notes_record(
            notes=[
                _timeline_note(delivery, by_id[delivery.pk])
                for delivery in current
                if delivery.basket_guid is not None
            ],
            actor=WEBHOOKS,
        )
    for delivery in current:
        item = by_id[delivery.pk]
        with log_context(basket_guid=str(delivery.basket_guid) if delivery.basket_guid else None):
            logger.info(
                "webhook %s %s to endpoint %s attempt %s: %s",
                delivery.event_type,
                delivery.message_id,
                delivery.endpoint_id,
                delivery.attempts,
                item.outcome.status_code or item.outcome.error,
            )
    return current


def _delivery_advance(delivery: WebhookDelivery, outcome: HttpOutcome, now: datetime) -> None:
    delivery.lease_until = None
    if outcome.succeeded:
        if delivery.status != DeliveryStatus.SUCCEEDED:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
        return
    # Another worker may have delivered it meanwhile (this one outlived its lease): keep that.
    if delivery.status != DeliveryStatus.PENDING:
        return
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.failed_at = now
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)


def _timeline_note(delivery: WebhookDelivery, item: Sent) -> BasketNote:
    return BasketNote(
        basket_guid=delivery.basket_guid,
        action=(
            TimelineAction.WEBHOOK_DELIVERED
            if item.outcome.succeeded
            else TimelineAction.WEBHOOK_ATTEMPT_FAILED
        ),
        # AC-1: the endpoint by id and host; its URL's path and query may hold a secret.
        reason=(
            f"{delivery.event_type} to endpoint {delivery.endpoint_id} "
            f"({urlsplit(delivery.endpoint.url).hostname})"
        ),
        payload={
            "webhook_id": delivery.message_id,
            "attempt": delivery.attempts,
            "status_code": item.outcome.status_code,
            "duration_ms": item.outcome.duration_ms,
            "error": url_hosts_only(item.outcome.error),
        },
        at=item.at,
    )


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
    *,
    time_budget: float | None = None,
    on_backlog: Callable[[], None] | None = None,
    look_again: Callable[[], bool] | None = None,
) -> DispatchSummary:
    """One run: fan the outbox out, then send due deliveries a batch at a time until none are
    due or time is up.

    ``on_backlog`` is called once, when a full batch shows a backlog, to bring other workers
    in; they share the work through ``SKIP LOCKED``. ``look_again`` is asked when nothing is
    due and True starts over with the fan-out (a commit asked for a run meanwhile).
    """
    deadline = time.monotonic() + time_budget if time_budget else None
    summary = DispatchSummary()
    batch_size = settings.WEBHOOK_SEND_BATCH
    while True:
        more = True
        while more:
            events, made, more = outbox_fan_out()
            summary.events += events
            summary.deliveries_made += made
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                summary.out_of_time = True
                return summary
            deliveries = webhook_deliveries_claim(limit=batch_size)
            if not deliveries:
                break
            if on_backlog is not None and len(deliveries) == batch_size:
                on_backlog()
                on_backlog = None
            with lease_kept(
                lambda ids=[d.pk for d in deliveries]: webhook_leases_renew(delivery_ids=ids),
                lease=settings.WEBHOOK_LEASE,
                what=f"{len(deliveries)} deliveries",
            ):
                recorded = webhook_attempts_record(webhook_deliveries_send(deliveries))
            summary.sent += len(recorded)
            summary.delivered += sum(d.status == DeliveryStatus.SUCCEEDED for d in recorded)
        if look_again is None or not look_again():
            return summary
