"""Webhooks delivered by real Celery worker processes to a real receiver (IN-1)."""

import signal
import time

import pytest

from baskets.models import EventType, Status
from baskets.services.transitions import basket_lock
from completion.tasks import completion_run_task
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.webhooks import endpoint_for, receiver_running
from tests.support.workers import (
    celery_workers,
    wait_until,
    worker_start,
    worker_stop,
    workers_ready,
)
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.tasks import webhook_dispatch_task

WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_PARALLEL_SENDS": "1"}


def all_delivered(count: int) -> bool:
    return (
        WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == count
        and not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_paid_basket_completed_by_a_worker_sends_its_events_signed(tmp_path, settings):
    """SPEC: IN-1 CB-3 — status_changed twice (paid, completed) and order.created once."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(
            receiver, EventType.BASKET_STATUS_CHANGED, EventType.ORDER_CREATED, settings=settings
        )
        basket = paid_basket(course=False)
        with celery_workers(1, **WORKER_ENV):
            completion_run_task.delay()
            wait_until(
                lambda: Status(type(basket).objects.get(pk=basket.pk).status) == Status.COMPLETED,
                timeout=60,
                message="the worker did not complete the basket",
            )
            webhook_dispatch_task.delay()
            wait_until(lambda: all_delivered(3), timeout=60, message="not all delivered")
        verified = receiver.verified(endpoint.secret)

    basket.refresh_from_db()
    by_type: dict[str, list[dict]] = {}
    for _webhook_id, envelope in verified:
        by_type.setdefault(envelope["type"], []).append(envelope["data"])
    assert sorted((k, len(v)) for k, v in by_type.items()) == [
        ("basket.status_changed", 2),
        ("order.created", 1),
    ]
    # Deliveries go out concurrently: no order between them (receivers sort by changed_at).
    changes = sorted(by_type["basket.status_changed"], key=lambda data: data["changed_at"])
    assert [(data["from_status"], data["to_status"]) for data in changes] == [
        (Status.ACTIVE, Status.AWAITING_COMPLETION),
        (Status.AWAITING_COMPLETION, Status.COMPLETED),
    ]
    (order,) = by_type["order.created"]
    assert order["order_number"] == basket.order.number
    assert order["total"] == f"{basket.total:.2f}"
    assert len({webhook_id for webhook_id, _ in verified}) == 3


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_still_delivers_with_the_same_id(tmp_path, settings):
    """SPEC: IN-1 — SIGKILL while the receiver holds the request: delivered later, same id."""
    env = {**WORKER_ENV, "WEBHOOK_LEASE_SECONDS": "3", "WEBHOOK_ATTEMPT_DEADLINE_SECONDS": "2"}
    with receiver_running(tmp_path, "--sleep-first", "1", "--sleep", "4") as receiver:
        endpoint = endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        with celery_workers(1, **env) as (worker,):
            webhook_dispatch_task.delay()
            wait_until(lambda: len(receiver.requests()) == 1, timeout=30, poll=0.1)
            worker_stop(worker, signal.SIGKILL)
            replacement = worker_start("replacement", **env)
            try:
                workers_ready(1, [replacement])
                deadline = time.monotonic() + 60
                while not all_delivered(1) and time.monotonic() < deadline:
                    webhook_dispatch_task.delay()
                    time.sleep(1)
            finally:
                worker_stop(replacement)
        verified = receiver.verified(endpoint.secret)

    assert all_delivered(1)
    delivery = WebhookDelivery.objects.get()
    assert len(verified) >= 2
    assert {webhook_id for webhook_id, _ in verified} == {delivery.message_id}
    # The killed attempt left no outcome; the one after it is kept.
    assert delivery.attempts == WebhookAttempt.objects.count() + 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_three_workers_share_the_deliveries_and_send_each_once(tmp_path, settings):
    """SPEC: IN-1 — SKIP LOCKED claims: every event delivered, none twice without a crash."""
    env = {**WORKER_ENV, "WEBHOOK_PARALLEL_SENDS": "3", "WEBHOOK_SEND_BATCH": "5"}
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        for _ in range(150):
            basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        with celery_workers(3, **env):
            webhook_dispatch_task.delay()
            wait_until(lambda: all_delivered(150), timeout=120, message="not all delivered")
        verified = receiver.verified(endpoint.secret)

    ids = [webhook_id for webhook_id, _ in verified]
    assert len(ids) == len(set(ids)) == 150
    assert set(ids) == set(WebhookDelivery.objects.values_list("message_id", flat=True))
    assert WebhookAttempt.objects.count() == 150
    assert not WebhookDelivery.objects.filter(lease_until__isnull=False).exists()
