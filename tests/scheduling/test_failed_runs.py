"""A run asked for by a request that fails still ends its request (SC-1): not retried, it
releases the row, so the next payment sends a task at once; retried, the row waits for the
retry. The failures are real ones: a trigger in the test database refuses an update the run
cannot do without."""

import json
import time
from datetime import timedelta

import pytest
import redis
from celery.signals import task_retry
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from baskets.models import Basket, Order, OutboxEvent, Status
from baskets.services.transitions import basket_mark_paid
from completion.tasks import completion_run_task
from operations.models import TaskRunCount
from scheduling.jobs import COMPLETION_RUN, WEBHOOK_DISPATCH
from scheduling.models import RunRequest
from scheduling.services import run_request_send
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM
from tests.support.workers import broker_flush, celery_workers, wait_until
from webhooks.tasks import webhook_dispatch_task

COMPLETION_TASK = "completion.tasks.completion_run_task"
# SQLSTATEs the trigger raises: a plain error (InternalError, not retried) and a
# serialization failure (OperationalError, retried with backoff: TRANSIENT_RETRY).
NOT_RETRIED = "P0001"
RETRIED = "40001"

# The first UPDATE of a row matching the condition raises; the count is a sequence, which
# the rolled-back statement does not undo, so the next one goes through.
FAULT_SQL = """
CREATE SEQUENCE test_fault_count;
CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('test_fault_count') = 1 THEN
        RAISE EXCEPTION 'update of row % refused', NEW.id USING ERRCODE = '{sqlstate}';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER test_fault BEFORE UPDATE ON {table} FOR EACH ROW WHEN ({condition})
EXECUTE FUNCTION test_fault();
"""
FAULT_DROP_SQL = """
DROP TRIGGER IF EXISTS test_fault ON {table};
DROP FUNCTION IF EXISTS test_fault();
DROP SEQUENCE IF EXISTS test_fault_count;
"""
# The statements the runs cannot do without: a basket's claim (the attempt it counts) and
# the fan-out of outbox events (the time it marks them dispatched).
CLAIM = (Basket, "NEW.id = {basket_id} AND NEW.completion_attempts > OLD.completion_attempts")
FAN_OUT = (OutboxEvent, "NEW.dispatched_at IS NOT NULL AND OLD.dispatched_at IS NULL")


@pytest.fixture
def fails_once():
    """Call with ((model, condition), SQLSTATE, **condition values): the first update of a
    row of that model matching the condition raises with that SQLSTATE."""
    tables = []

    def install(statement, sqlstate: str, **values: int) -> None:
        model, condition = statement
        tables.append(model._meta.db_table)
        condition = condition.format(**{name: int(value) for name, value in values.items()})
        with connection.cursor() as cursor:
            cursor.execute(
                FAULT_SQL.format(table=tables[-1], condition=condition, sqlstate=sqlstate)
            )

    yield install
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(FAULT_DROP_SQL.format(table=table))


def runs_and_failures() -> tuple[int, int]:
    counted = TaskRunCount.objects.filter(task=COMPLETION_TASK).values_list("runs", "failures")
    return counted.first() or (0, 0)


def row(job: str = COMPLETION_RUN) -> tuple[bool, object] | None:
    found = RunRequest.objects.filter(job=job).values_list("requested", "touched_at")
    return found.first()


def queued_tasks() -> list[str]:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    return [json.loads(message)["headers"]["task"] for message in client.lrange("celery", 0, -1)]


@pytest.mark.redis
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task", "job", "statement"),
    [
        (completion_run_task, COMPLETION_RUN, CLAIM),
        (webhook_dispatch_task, WEBHOOK_DISPATCH, FAN_OUT),
    ],
    ids=["completion", "dispatch"],
)
def test_a_run_that_fails_for_good_releases_its_request(settings, fails_once, task, job, statement):
    """SPEC: SC-1 SC-2 — a run whose task raises an error Celery does not retry removes the
    request row, so the next request sends a task at once instead of only marking the row
    until it goes stale."""
    settings.RUN_LINGER = timedelta(0)
    broker_flush()
    basket = paid_basket(course=False)
    fails_once(statement, NOT_RETRIED, basket_id=basket.pk)
    assert task.name == django_settings.CELERY_BEAT_SCHEDULE[job]["task"]
    assert run_request_send(job=job) is True

    result = task.apply(kwargs={"helpers": 0})

    assert result.failed()
    assert row(job) is None
    assert run_request_send(job=job) is True
    assert queued_tasks() == [task.name, task.name]
    broker_flush()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_after_a_run_fails_for_good_the_next_payment_is_completed_at_once(settings, fails_once):
    """SPEC: SC-1 — a completion run that raises an error Celery does not retry releases its
    request: the next payment's request sends a task, and both baskets are Completed well
    before RUN_REQUEST_STALE_AFTER, with no periodic run (no scheduler is started). The row
    used to stay behind, and every payment only marked it until it went stale."""
    first = paid_basket(course=False, pay=False)
    second = paid_basket(course=False, pay=False)
    fails_once(CLAIM, NOT_RETRIED, basket_id=first.pk)
    completed = Basket.objects.filter(pk__in=[first.pk, second.pk], status=Status.COMPLETED)
    bound = settings.RUN_REQUEST_STALE_AFTER.total_seconds() / 2
    with celery_workers(1):
        basket_mark_paid(basket_id=first.pk, actor=SYSTEM, payment_reference="PSP-1")
        wait_until(lambda: runs_and_failures() == (1, 1), timeout=60, poll=0.05)
        assert not completed.exists()

        started = time.monotonic()
        basket_mark_paid(basket_id=second.pk, actor=SYSTEM, payment_reference="PSP-2")
        wait_until(
            lambda: completed.count() == 2,
            timeout=bound,
            poll=0.05,
            message=f"the baskets waited more than {bound:.0f} s after the failed run",
        )
        took = time.monotonic() - started
        wait_until(lambda: row() is None, timeout=30, poll=0.05)
    assert took < bound
    assert Order.objects.count() == 2
    assert runs_and_failures() == (2, 1)


@pytest.mark.redis
@pytest.mark.django_db
def test_a_retried_run_keeps_the_request_for_its_retry(settings, fails_once):
    """SPEC: SC-1 — a run that raises a transient error is retried by Celery: until the
    retry runs, the row stays handed over to it (requested, touched just now, so not stale)
    and a payment meanwhile sends no task; the retry completes the basket and ends the
    request."""
    settings.RUN_LINGER = timedelta(0)
    broker_flush()
    basket = paid_basket(course=False)
    fails_once(CLAIM, RETRIED, basket_id=basket.pk)
    assert run_request_send(job=COMPLETION_RUN) is True
    failed_at = timezone.now()
    at_retry = []

    def when_retried(sender, **kwargs):
        at_retry.append((row(), run_request_send(job=COMPLETION_RUN)))

    task_retry.connect(when_retried, sender=completion_run_task)
    try:
        result = completion_run_task.apply(kwargs={"helpers": 0})
    finally:
        task_retry.disconnect(when_retried, sender=completion_run_task)

    assert result.get()["completed"] == 1
    [((requested, touched_at), sent)] = at_retry
    assert (requested, sent) == (True, False)
    assert failed_at <= touched_at <= timezone.now()
    assert row() is None
    assert queued_tasks() == [COMPLETION_TASK]
    broker_flush()


def request_a_run(order: Order) -> None:
    """A completion hook standing for a payment that commits while the run works."""
    run_request_send(job=COMPLETION_RUN)


@pytest.mark.redis
@pytest.mark.django_db
def test_a_request_made_while_a_run_fails_sends_a_task_when_it_releases(settings, fails_once):
    """SPEC: SC-1 — a payment while a run works only marks the row, for that run to look
    again; when the run then fails for good it cannot look, so releasing the row sends a
    task for that request at once (the failed claim's basket waits for it too)."""
    settings.RUN_LINGER = timedelta(0)
    settings.COMPLETION_BATCH_SIZE = 1
    settings.COMPLETION_HOOKS = ["tests.scheduling.test_failed_runs.request_a_run"]
    broker_flush()
    completes = paid_basket(course=False)
    refused = paid_basket(course=False)
    fails_once(CLAIM, NOT_RETRIED, basket_id=refused.pk)
    assert run_request_send(job=COMPLETION_RUN) is True

    result = completion_run_task.apply(kwargs={"helpers": 0})

    assert result.failed()
    assert dict(Basket.objects.values_list("pk", "status")) == {
        completes.pk: Status.COMPLETED,
        refused.pk: Status.AWAITING_COMPLETION,
    }
    assert row()[0] is True
    assert queued_tasks() == [COMPLETION_TASK, COMPLETION_TASK]
    broker_flush()
