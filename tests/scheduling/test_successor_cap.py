"""Self re-queuing sweeps send their next batch at most RUN_MAX_REQUEUES times in a row, like
the completion and dispatch runs (the issue: they re-queued themselves without a cap)."""

import base64
import inspect
import json
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from abandonment import tasks as abandonment_tasks
from baskets import tasks as basket_tasks
from baskets.models import AccountType, Basket, Stage, Status
from baskets.services.locked_cart_sweeps import BATCH_SIZE
from tests.support.workers import broker_flush
from webhooks import tasks as webhook_tasks


def queued() -> list[tuple[str, dict]]:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[1])
        for message in map(json.loads, client.lrange("celery", 0, -1))
    ]


def payments_never_returned(count: int) -> None:
    """``count`` baskets whose shopper left for the payment page an hour ago (LC-1)."""
    started = timezone.now() - timedelta(hours=1)
    Basket.objects.bulk_create(
        Basket(
            guid=uuid.uuid4(),
            account_type=AccountType.ANONYMOUS,
            status=Status.ACTIVE,
            stage=Stage.PAYMENT,
            created_at=started,
            modified_at=started,
            last_activity_at=started,
            payment_started_at=started,
        )
        for _ in range(count)
    )


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("requeues", "successor"),
    [(1, {"requeues": 2}), (2, None)],
    ids=["below-the-cap", "at-the-cap"],
)
def test_a_sweep_with_more_to_do_sends_its_next_batch_up_to_the_cap(
    settings, requeues, successor
):
    """SPEC: LC-1 SC-1 — a full batch sends the next one while under RUN_MAX_REQUEUES; at
    the cap none (the next period's run goes on), and the batch's work is done either way."""
    settings.RUN_MAX_REQUEUES = 2
    settings.PAYMENT_NO_RETURN_LOCK_AFTER = timedelta(minutes=30)
    payments_never_returned(BATCH_SIZE + 1)
    broker_flush()

    locked = basket_tasks.locked_cart_sweep_task.apply(kwargs={"requeues": requeues}).get()

    assert locked == BATCH_SIZE
    assert Basket.objects.filter(status=Status.LOCKED).count() == BATCH_SIZE
    sent = [kwargs for task, kwargs in queued() if task == "baskets.tasks.locked_cart_sweep_task"]
    assert sent == ([successor] if successor else [])
    broker_flush()


@pytest.mark.parametrize(
    "task",
    [
        abandonment_tasks.abandonment_sweep_task,
        abandonment_tasks.abandonment_purge_task,
        abandonment_tasks.basket_reminders_send_task,
        basket_tasks.locked_cart_sweep_task,
        basket_tasks.locked_cart_alert_task,
        basket_tasks.coupons_expired_purge_task,
        basket_tasks.retention_purge_task,
        webhook_tasks.webhook_purge_task,
    ],
    ids=lambda task: task.name.rsplit(".", 1)[-1],
)
def test_every_self_re_queuing_task_counts_its_successors(task):
    """SPEC: SC-1 — each of them takes the count of successors so far (the periodic run
    starts at 0), so the cap applies to all."""
    parameter = inspect.signature(task.run).parameters["requeues"]
    assert parameter.default == 0
