"""Short leases (SC-3) with real Celery workers and a real scheduler: a dead worker's
baskets are taken by another worker soon after its lease ends, a live worker's never.

The lease is 10 s here instead of 60 s, and every periodic job runs every 2 s instead of
20 s or more, so the bound the product gives (lease + completion interval: 60 + 20 s,
under 90 s) is checked at a sixth of its size."""

import signal
import time

import pytest

from basketops.celery import app
from baskets.models import Basket, BasketEvent, Order, Product, Status
from completion.tasks import completion_run_task
from tests.support.completion import assert_every_order_whole, paid_basket
from tests.support.schedulers import beat_start
from tests.support.workers import celery_workers, wait_until, worker_stop
from tooling.demo import demo_load

LEASE_SECONDS = 10
PERIOD_SECONDS = 2


def held_batch() -> list[int]:
    return list(
        Basket.objects.filter(
            status=Status.AWAITING_COMPLETION, completion_lease_until__isnull=False
        ).values_list("pk", flat=True)
    )


def worker_running_completion() -> int:
    """The index of the worker process whose pool runs a completion task now."""
    for _ in range(30):
        active = app.control.inspect(timeout=1.0).active() or {}
        for hostname, tasks in active.items():
            if any(task["name"] == "completion.tasks.completion_run_task" for task in tasks):
                return int(hostname.split("@")[0].removeprefix("w"))
    raise AssertionError("no worker runs a completion task")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_batch_is_completed_by_another_soon_after_its_lease(tmp_path):
    """SPEC: SC-3 CB-4 — SIGKILL of the worker holding a batch mid-transaction: another
    worker completes those baskets within lease + period (+ slack for a busy machine),
    with one order each."""
    demo_load(baskets=30, statuses={Status.AWAITING_COMPLETION: 1}, chunk_size=30)
    Product.objects.update(available=True)
    env = {
        "COMPLETION_HOOKS": "tests.support.completion_hooks.slow_export",
        "SLOW_EXPORT_SECONDS": "0.5",
        "COMPLETION_LEASE_SECONDS": str(LEASE_SECONDS),
        "COMPLETION_BATCH_SIZE": "10",
        "COMPLETION_PARALLEL_RUNS": "1",
    }
    with celery_workers(2, **env) as processes:
        completion_run_task.delay()
        wait_until(lambda: held_batch(), timeout=60, poll=0.1, message="no batch was claimed")
        holder = worker_running_completion()
        worker_stop(processes[holder], signal.SIGKILL)
        killed_at = time.monotonic()
        # Nobody else claims before the scheduler starts: what is leased is what it held.
        held = held_batch()
        assert held, "the killed worker held a claimed batch"
        beat = beat_start(tmp_path / "beat.log", period=PERIOD_SECONDS, **env)
        try:
            wait_until(
                lambda: not Basket.objects.filter(pk__in=held)
                .exclude(status=Status.COMPLETED)
                .exists(),
                timeout=120,
                message="the killed worker's baskets were not completed",
            )
            taken_after = time.monotonic() - killed_at
            wait_until(
                lambda: Basket.objects.filter(status=Status.COMPLETED).count() == 30,
                timeout=120,
                message="not every basket was completed",
            )
        finally:
            worker_stop(beat)
    # The batch itself then takes 5 s of slow exports; the rest is slack for a busy machine.
    assert taken_after <= LEASE_SECONDS + PERIOD_SECONDS + 30, taken_after
    assert Order.objects.count() == 30
    assert_every_order_whole()
    # The killed attempt counted: the held baskets were completed on their second attempt.
    attempts = set(Basket.objects.filter(pk__in=held).values_list("completion_attempts", flat=True))
    assert attempts == {2}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_live_worker_keeps_its_baskets_past_the_lease(tmp_path):
    """SPEC: SC-3 — a worker that works on its batch longer than the lease (the batch failed,
    each basket then takes 2 s) renews the lease: the other worker, asking every 2 s, takes
    none of them; each is completed on its first attempt, by the one run that claimed it."""
    refused = paid_basket(course=False, booking_id="BK-REJECT")
    accepted = [paid_basket(course=False) for _ in range(7)]
    env = {
        "COMPLETION_HOOKS": "tests.support.completion_hooks.refuse_marked_orders,"
        "tests.support.completion_hooks.slow_export",
        "SLOW_EXPORT_SECONDS": "2",
        "COMPLETION_LEASE_SECONDS": str(LEASE_SECONDS),
        "COMPLETION_BATCH_SIZE": "8",
        "COMPLETION_PARALLEL_RUNS": "1",
    }
    with celery_workers(2, **env):
        beat = beat_start(tmp_path / "beat.log", period=PERIOD_SECONDS, **env)
        try:
            wait_until(
                lambda: Basket.objects.filter(status=Status.COMPLETED).count() == 7,
                timeout=120,
                message="the accepted baskets were not completed",
            )
        finally:
            worker_stop(beat)
    ids = [basket.pk for basket in accepted]
    assert set(Basket.objects.filter(pk__in=ids).values_list("completion_attempts", flat=True)) == {
        1
    }
    workers = {
        payload["worker"]
        for payload in BasketEvent.objects.filter(action="complete", basket_id__in=ids)
        .values_list("payload", flat=True)
    }
    assert len(workers) == 1
    assert Basket.objects.get(pk=refused.pk).status != Status.COMPLETED
    assert_every_order_whole()
