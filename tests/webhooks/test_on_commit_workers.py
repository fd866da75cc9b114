"""Webhooks in a second (SC-2): the commit that writes outbox rows asks for a dispatch run,
with a real Celery worker, a real receiver and no periodic run (no scheduler is started)."""

import statistics
import time

import pytest

from baskets.models import EventType
from baskets.services.transitions import basket_lock
from scheduling.jobs import WEBHOOK_DISPATCH
from scheduling.models import RunRequest
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.webhooks import endpoint_for, receiver_running
from tests.support.workers import celery_workers, wait_until

WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_URLS": "true"}


def no_run_requested() -> bool:
    return not RunRequest.objects.filter(job=WEBHOOK_DISPATCH).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_webhook_reaches_the_receiver_within_a_second_of_the_commit(tmp_path, settings):
    """SPEC: SC-2 IN-1 — each lock's commit asks for a dispatch run: the receiver has the
    event within 1 s (median of five, each after the last run ended; the clock starts
    before the transaction), with no scheduler running at all."""
    with receiver_running(tmp_path) as receiver:
        endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        baskets = [BasketFactory() for _ in range(6)]
        with celery_workers(1, **WORKER_ENV):
            delays = []
            for number, basket in enumerate(baskets, start=1):
                wait_until(no_run_requested, timeout=30, poll=0.05)
                committed = time.time()
                basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending")
                wait_until(
                    lambda number=number: len(receiver.requests()) == number,
                    timeout=30,
                    poll=0.02,
                    message="the event did not leave without a periodic run",
                )
                delays.append(receiver.requests()[-1]["at"] - committed)
    # The first goes to a worker that has not sent anything yet: not a steady state.
    assert statistics.median(delays[1:]) <= 1.0, delays
    received = [request["body"] for request in receiver.requests()]
    delivered = [str(basket.guid) in body for basket, body in zip(baskets, received, strict=True)]
    assert delivered == [True] * 6
