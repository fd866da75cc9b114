"""Completion and dispatch runs out of time send a successor, at most RUN_MAX_REQUEUES in a
row (the issue: they re-queued themselves without a cap)."""

import base64
import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings

from baskets.services.transitions import basket_lock
from completion.tasks import completion_run_task
from scheduling.jobs import COMPLETION_RUN, WEBHOOK_DISPATCH
from scheduling.models import RunRequest
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.workers import broker_flush
from webhooks.tasks import webhook_dispatch_task


def queued() -> list[tuple[str, dict]]:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[1])
        for message in messages
    ]


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("requeues", "successor"),
    [(0, {"helpers": 0, "requeues": 1}), (2, {"helpers": 0, "requeues": 3}), (3, None)],
    ids=["first", "below-the-cap", "at-the-cap"],
)
def test_a_completion_run_out_of_time_sends_a_successor_up_to_the_cap(
    settings, requeues, successor
):
    """SPEC: CB-3 SC-1 — a successor while under RUN_MAX_REQUEUES (requests then wait for
    it); at the cap none, and the request row goes, so the next payment sends a run."""
    settings.RUN_MAX_REQUEUES = 3
    settings.COMPLETION_BATCH_SIZE = 1
    settings.COMPLETION_RUN_BUDGET = timedelta(microseconds=1)
    paid_basket(course=False)
    paid_basket(course=False)
    broker_flush()
    summary = completion_run_task.apply(kwargs={"requeues": requeues, "helpers": 0}).get()
    assert summary["completed"] == 1 and summary["out_of_time"] is True
    task = "completion.tasks.completion_run_task"
    if successor is None:
        assert queued() == []
        assert not RunRequest.objects.filter(job=COMPLETION_RUN).exists()
    else:
        assert queued() == [(task, successor)]
        assert RunRequest.objects.get(job=COMPLETION_RUN).requested is True
    broker_flush()


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("requeues", "successors"), [(0, 1), (3, 0)], ids=["below-the-cap", "at-the-cap"]
)
def test_a_dispatch_run_out_of_time_sends_a_successor_up_to_the_cap(
    settings, requeues, successors
):
    """SPEC: IN-1 SC-2 — the same cap for webhook dispatch runs."""
    settings.RUN_MAX_REQUEUES = 3
    settings.WEBHOOK_RUN_BUDGET = timedelta(microseconds=1)
    basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
    broker_flush()
    summary = webhook_dispatch_task.apply(kwargs={"requeues": requeues, "helpers": 0}).get()
    assert summary["out_of_time"] is True
    sent = [kwargs for task, kwargs in queued() if task == "webhooks.tasks.webhook_dispatch_task"]
    assert sent == [{"helpers": 0, "requeues": requeues + 1}] * successors
    assert RunRequest.objects.filter(job=WEBHOOK_DISPATCH).exists() is bool(successors)
    broker_flush()
