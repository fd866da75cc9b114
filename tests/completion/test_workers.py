"""Completion with real Celery worker processes on PostgreSQL and Redis (CB-3, CB-4)."""

import signal
import time

import pytest
from django.db.models import Count, Q

from baskets.models import Basket, BasketEvent, Product, Status
from completion.tasks import completion_run_task
from tests.support.completion import assert_every_order_whole
from tests.support.workers import (
    celery_workers,
    wait_until,
    worker_start,
    worker_stop,
    workers_ready,
)
from tooling.demo import demo_load


def waiting() -> int:
    return Basket.objects.filter(status=Status.AWAITING_COMPLETION).count()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_four_workers_complete_two_thousand_baskets_once_each():
    """SPEC: CB-3 CB-4 — every basket ends Completed or Completion Failed, none twice."""
    demo_load(baskets=2000, statuses={Status.AWAITING_COMPLETION: 1}, chunk_size=1000)
    withdrawn = set(Product.objects.filter(available=False).values_list("id", flat=True))
    assert withdrawn, "the demo catalogue withdraws some products, so some baskets must fail"
    env = {"COMPLETION_BATCH_SIZE": "25", "COMPLETION_PARALLEL_RUNS": "4"}
    with celery_workers(4, **env):
        deadline = time.monotonic() + 240
        while waiting() and time.monotonic() < deadline:
            completion_run_task.delay()
            time.sleep(2)
    assert waiting() == 0
    statuses = dict(Basket.objects.values_list("status").annotate(Count("id")))
    assert set(statuses) == {Status.COMPLETED, Status.COMPLETION_FAILED}
    assert sum(statuses.values()) == 2000
    assert_every_order_whole()
    has_withdrawn = Q(lines__product_id__in=withdrawn)
    failed = Basket.objects.filter(status=Status.COMPLETION_FAILED)
    assert failed.count() == Basket.objects.filter(has_withdrawn).distinct().count()
    assert set(failed.values_list("completion_attempts", flat=True)) == {3}
    assert not Basket.objects.filter(status=Status.COMPLETED).filter(has_withdrawn).exists()
    # The work was shared: completions came from more than one task run.
    runs = {
        payload["worker"]
        for payload in BasketEvent.objects.filter(action="complete").values_list(
            "payload", flat=True
        )
    }
    assert len(runs) > 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_loses_and_doubles_nothing():
    """SPEC: CB-3 CB-4 — SIGKILL in the middle of a completion, then a restart."""
    demo_load(baskets=300, statuses={Status.AWAITING_COMPLETION: 1}, chunk_size=300)
    Product.objects.update(available=True)
    env = {
        "COMPLETION_HOOKS": "tests.support.completion_hooks.slow_export",
        "SLOW_EXPORT_SECONDS": "0.05",
        "COMPLETION_LEASE_SECONDS": "10",
        "COMPLETION_BATCH_SIZE": "20",
        "COMPLETION_PARALLEL_RUNS": "1",
    }
    with celery_workers(1, **env) as (worker,):
        completion_run_task.delay()
        stranded = Basket.objects.filter(
            status=Status.AWAITING_COMPLETION, completion_lease_until__isnull=False
        )
        # Killed in the middle of a claimed batch (each takes a second of slow exports).
        wait_until(
            lambda: Basket.objects.filter(status=Status.COMPLETED).count() >= 30
            and stranded.exists(),
            timeout=120,
            poll=0.1,
            message="the worker completed nothing",
        )
        worker_stop(worker, signal.SIGKILL)
        assert stranded.exists(), "the killed worker held a claimed batch"
        assert_every_order_whole()

        restarted = worker_start("restarted", **env)
        try:
            workers_ready(1, [restarted])
            deadline = time.monotonic() + 180
            while waiting() and time.monotonic() < deadline:
                completion_run_task.delay()
                time.sleep(2)
        finally:
            worker_stop(restarted)
    assert waiting() == 0
    assert Basket.objects.filter(status=Status.COMPLETED).count() == 300
    assert_every_order_whole()
    # The baskets the killed worker had claimed used an attempt for it.
    assert Basket.objects.filter(completion_attempts=2).exists()
    assert not Basket.objects.filter(completion_attempts__gt=2).exists()
