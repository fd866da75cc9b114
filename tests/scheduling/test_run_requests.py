"""Runs asked for on commit (SC-1, SC-2): who asks, and how requests coalesce."""

import json
from datetime import timedelta

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from baskets.models import Status
from baskets.services.transitions import basket_lock, basket_mark_paid
from completion.services import completion_run
from completion.tasks import completion_run_task
from scheduling.jobs import COMPLETION_RUN, WEBHOOK_DISPATCH
from scheduling.models import RunRequest
from scheduling.services import (
    run_request_hand_over,
    run_request_look,
    run_request_look_again,
    run_request_on_commit,
    run_request_release,
    run_request_send,
)
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM, basket_in_status
from tests.support.workers import broker_flush


def requested_jobs(callbacks) -> list[str]:
    return sorted(callback.keywords["job"] for callback in callbacks)


@pytest.mark.django_db
def test_the_jobs_are_periodic_jobs():
    """SPEC: SC-1 SC-2 — a request runs a job the scheduler runs too (the safety net)."""
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule[COMPLETION_RUN]["task"] == "completion.tasks.completion_run_task"
    assert schedule[WEBHOOK_DISPATCH]["task"] == "webhooks.tasks.webhook_dispatch_task"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("mark_paid", [COMPLETION_RUN, WEBHOOK_DISPATCH]),
        ("lock", [WEBHOOK_DISPATCH]),
    ],
    ids=["payment", "lock"],
)
def test_a_transaction_asks_once_per_job_when_it_commits(
    django_capture_on_commit_callbacks, change, expected
):
    """SPEC: SC-1 SC-2 — a payment asks for a completion run and a dispatch run, a change
    that only writes outbox rows for a dispatch run; asked again in the same transaction,
    nothing more is queued."""
    basket = basket_in_status(Status.ACTIVE)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        if change == "mark_paid":
            basket_mark_paid(basket_id=basket.pk, actor=SYSTEM, payment_reference="P-1")
        else:
            basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending")
        run_request_on_commit(job=WEBHOOK_DISPATCH)
    assert requested_jobs(callbacks) == expected


def queued_tasks() -> list[str]:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    return [json.loads(message)["headers"]["task"] for message in client.lrange("celery", 0, -1)]


def row() -> tuple[bool, object] | None:
    found = RunRequest.objects.filter(job=COMPLETION_RUN).values_list("requested", "touched_at")
    return found.first()


@pytest.mark.redis
@pytest.mark.django_db
def test_requests_coalesce_into_the_run_that_looks(settings):
    """SPEC: SC-1 — the first request sends a task; requests while it waits or while a run
    looks send nothing, and that run looks again; a run that ends lets the next request send."""
    settings.RUN_LINGER = timedelta(0)
    broker_flush()
    task = "completion.tasks.completion_run_task"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        steps = [
            ("request", lambda: run_request_send(job=COMPLETION_RUN), True),
            ("request while the task waits", lambda: run_request_send(job=COMPLETION_RUN), False),
            ("the run looks", lambda: run_request_look(job=COMPLETION_RUN), None),
            ("request while it looks", lambda: run_request_send(job=COMPLETION_RUN), False),
            ("it must look again", lambda: run_request_look_again(job=COMPLETION_RUN), True),
            ("nothing came since", lambda: run_request_look_again(job=COMPLETION_RUN), False),
            ("request after the run", lambda: run_request_send(job=COMPLETION_RUN), True),
        ]
        outcomes = []
        for name, step, _expected in steps:
            clock.shift(timedelta(seconds=1))
            outcomes.append((name, step()))
        assert outcomes == [(name, expected) for name, _step, expected in steps]
        assert queued_tasks() == [task, task]

        # That task was lost: once the row is stale, the next request sends again.
        clock.shift(settings.RUN_REQUEST_STALE_AFTER - timedelta(seconds=1))
        assert run_request_send(job=COMPLETION_RUN) is False
        clock.shift(timedelta(seconds=2))
        assert run_request_send(job=COMPLETION_RUN) is True
        assert row() == (True, timezone.now())
    assert queued_tasks() == [task, task, task]
    broker_flush()


@pytest.mark.redis
@pytest.mark.django_db
def test_a_run_out_of_time_hands_over_or_releases(settings):
    """SPEC: SC-1 — a run that sends its successor keeps requests waiting for it; one that
    may not (the re-queue cap) removes the row, so the next request sends a task."""
    broker_flush()
    run_request_look(job=COMPLETION_RUN)
    run_request_hand_over(job=COMPLETION_RUN)
    assert row()[0] is True
    assert run_request_send(job=COMPLETION_RUN) is False
    run_request_release(job=COMPLETION_RUN)
    assert row() is None
    assert run_request_send(job=COMPLETION_RUN) is True
    broker_flush()


@pytest.mark.django_db
def test_a_lingering_run_takes_a_request_that_comes_while_it_waits(settings):
    """SPEC: SC-1 — with nothing left, a run waits RUN_LINGER for a request before it ends."""
    settings.RUN_LINGER = timedelta(seconds=30)
    run_request_look(job=COMPLETION_RUN)
    RunRequest.objects.create(job=COMPLETION_RUN, requested=True, touched_at=timezone.now())
    assert run_request_look_again(job=COMPLETION_RUN) is True
    settings.RUN_LINGER = timedelta(milliseconds=200)
    assert run_request_look_again(job=COMPLETION_RUN) is False
    assert row() is None


@pytest.mark.redis
@pytest.mark.django_db
def test_a_run_out_of_time_after_a_short_batch_lets_the_next_request_send(settings):
    """SPEC: SC-1 — a run whose time is up after a batch short of full ends by looking
    again: with nothing requested since, the row goes and the next payment sends a task
    (it used to stay, and payments waited for RUN_REQUEST_STALE_AFTER with no run)."""
    settings.RUN_LINGER = timedelta(0)
    settings.COMPLETION_RUN_BUDGET = timedelta(microseconds=1)
    broker_flush()
    paid_basket(course=False)
    assert run_request_send(job=COMPLETION_RUN) is True
    summary = completion_run_task.apply(kwargs={"helpers": 0}).get()
    assert (summary["completed"], summary["out_of_time"]) == (1, False)
    assert row() is None
    paid_basket(course=False)
    assert run_request_send(job=COMPLETION_RUN) is True
    task = "completion.tasks.completion_run_task"
    assert queued_tasks() == [task, task]
    broker_flush()


@pytest.mark.redis
@pytest.mark.django_db
def test_a_request_during_a_runs_last_short_batch_goes_to_its_successor(settings):
    """SPEC: SC-1 — a payment while a run works its last batch only marks the row (the run
    looks); when the run's time is up it takes that request and is out of time, so its
    task hands it to a successor instead of leaving it on a row no run looks at."""
    settings.RUN_LINGER = timedelta(0)
    broker_flush()
    assert run_request_send(job=COMPLETION_RUN) is True
    run_request_look(job=COMPLETION_RUN)
    paid_basket(course=False)
    assert run_request_send(job=COMPLETION_RUN) is False
    summary = completion_run(
        worker="test",
        time_budget=1e-6,
        look_again=lambda: run_request_look_again(job=COMPLETION_RUN),
    )
    assert (summary.completed, summary.out_of_time) == (1, True)
    assert row()[0] is False
    broker_flush()
