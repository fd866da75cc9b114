"""Old deliveries, attempts and outbox events are purged; pending and recent ones stay."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from baskets.models import EventType, OutboxEvent
from baskets.services.transitions import basket_lock
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.webhooks import endpoint_for, receiver_running
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.services import webhooks_dispatch
from webhooks.tasks import webhook_purge_task


@pytest.mark.django_db
def test_the_purge_keeps_what_is_recent_or_still_pending(tmp_path, settings):
    """SPEC: IN-1 — WEBHOOK_RETENTION: finished deliveries and dispatched events go."""
    settings.WEBHOOK_RETENTION = timedelta(days=30)
    with receiver_running(tmp_path, "--answers", "200,500") as receiver:
        endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        with time_machine.travel(timezone.now() - timedelta(days=31)):
            basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="old, delivered")
            webhooks_dispatch()
            basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="old, pending")
            webhooks_dispatch()
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="recent")
        webhooks_dispatch()
    statuses = sorted(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED]

    assert webhook_purge_task.apply().get() == 1 + 2

    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == [
        DeliveryStatus.PENDING,
        DeliveryStatus.PENDING,
    ]
    # The old pending one was tried again by the recent run: 2 attempts, the recent one 1.
    assert WebhookAttempt.objects.count() == 3
    assert OutboxEvent.objects.count() == 1
    assert OutboxEvent.objects.get().payload["action"] == "lock"
    assert OutboxEvent.objects.get().created_at > timezone.now() - timedelta(days=1)
