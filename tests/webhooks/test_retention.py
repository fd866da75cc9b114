"""Old deliveries, attempts and outbox events are purged; pending and recent ones stay."""

from datetime import timedelta

import pytest
import time_machine
from constance import config
from django.utils import timezone

from baskets.models import EventType, OutboxEvent
from baskets.services.retention import retention_purge
from baskets.services.transitions import basket_lock
from baskets.tasks import retention_purge_task
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.webhooks import endpoint_for, receiver_running
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.services import webhooks_dispatch
from webhooks.tasks import webhook_purge_task


@pytest.mark.django_db
def test_the_purge_keeps_what_is_recent_or_still_pending(tmp_path, settings):
    """SPEC: IN-1 — WEBHOOK_RETENTION: finished deliveries go (with their attempts); outbox
    events go by their own live period (``baskets.services.retention``)."""
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

    assert webhook_purge_task.apply().get() == 1

    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == [
        DeliveryStatus.PENDING,
        DeliveryStatus.PENDING,
    ]
    # The old pending one was tried again by the recent run: 2 attempts, the recent one 1.
    assert WebhookAttempt.objects.count() == 3
    assert OutboxEvent.objects.count() == 3


@pytest.mark.django_db
def test_outbox_events_and_attempts_go_after_their_live_periods(tmp_path, settings):
    """SPEC: PV-4 IN-1 — OUTBOX_RETENTION_DAYS and WEBHOOK_ATTEMPT_RETENTION_DAYS (live):
    past them, outbox events already handed on and webhook attempts are deleted by the
    retention job; an event not yet handed on stays whatever its age; 0 keeps them."""
    settings.OUTBOX_RETENTION_DAYS = 0
    settings.WEBHOOK_ATTEMPT_RETENTION_DAYS = 0
    with receiver_running(tmp_path, "--answers", "500,500,500") as receiver:
        endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        with time_machine.travel(timezone.now() - timedelta(days=40)):
            basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="old")
            webhooks_dispatch()
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="recent")
        webhooks_dispatch()
    waiting = OutboxEvent.objects.create(  # not handed on yet
        event_type=EventType.BASKET_STATUS_CHANGED,
        payload={},
        created_at=timezone.now() - timedelta(days=40),
    )
    # the old delivery (answered 500) was tried again by the recent run
    assert WebhookAttempt.objects.count() == 3 and OutboxEvent.objects.count() == 3

    assert retention_purge_task.apply().get() == 0

    config.OUTBOX_RETENTION_DAYS = 30
    config.WEBHOOK_ATTEMPT_RETENTION_DAYS = 30
    deleted, has_more = retention_purge()

    assert (deleted["outbox_events"], deleted["webhook_attempts"], has_more) == (1, 1, False)
    recent = timezone.now() - timedelta(days=1)
    assert not WebhookAttempt.objects.filter(attempted_at__lt=recent).exists()
    assert WebhookAttempt.objects.count() == 2
    kept = OutboxEvent.objects.order_by("id")
    assert [e.pk == waiting.pk or e.created_at > recent for e in kept] == [True, True]
    assert WebhookDelivery.objects.count() == 2  # deliveries follow WEBHOOK_RETENTION
