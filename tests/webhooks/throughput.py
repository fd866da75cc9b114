"""Measure webhook delivery throughput against a local receiver (not a test; run by hand).

    DATABASE_URL=postgres://.../scratch_db python -m tests.webhooks.throughput 2000

Uses the configured database (migrated, disposable: it adds baskets and an endpoint),
records one outbox event per basket through the transition service, then times the
fan-out and the deliveries of one in-process dispatcher.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("DEBUG", "true")
django.setup()

from baskets.models import EventType  # noqa: E402
from baskets.services.transitions import basket_lock  # noqa: E402
from tests.support.factories import SYSTEM, BasketFactory  # noqa: E402
from tests.support.webhooks import receiver_running  # noqa: E402
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint  # noqa: E402
from webhooks.services import outbox_fan_out, webhook_endpoint_create, webhooks_dispatch  # noqa: E402


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder, receiver_running(Path(folder)) as receiver:
        WebhookEndpoint.objects.update(active=False)
        webhook_endpoint_create(url=receiver.url, event_types=[EventType.BASKET_STATUS_CHANGED])
        outbox_fan_out(batch_size=1_000_000)  # older events go nowhere
        for _ in range(count):
            basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="throughput")
        started = time.perf_counter()
        summary = webhooks_dispatch()
        elapsed = time.perf_counter() - started
        received = len(receiver.requests())
    delivered = WebhookDelivery.objects.filter(
        endpoint__url=receiver.url, status=DeliveryStatus.SUCCEEDED
    ).count()
    print(
        f"{summary.events} events fanned out, {summary.delivered} delivered "
        f"({delivered} in the database, {received} at the receiver) in {elapsed:.2f} s: "
        f"{summary.delivered / elapsed:.0f} events/s with one dispatcher"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
