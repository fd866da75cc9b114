"""The completion engine in one process (CB-3, CB-4)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from baskets.models import (
    Basket,
    BasketEvent,
    CourseEnrolment,
    Invoice,
    Order,
    OrderLine,
    Product,
    Status,
)
from baskets.models.orders import invoice_number
from completion.services import completion_claim, completion_run
from tests.support.completion import paid_basket


def run() -> dict:
    return completion_run(worker="test").as_dict()


@pytest.mark.django_db
def test_paid_basket_becomes_one_order_with_invoice_and_enrolments():
    """SPEC: CB-3"""
    basket = paid_basket(lines=2, course=True)
    assert run()["completed"] == 1
    basket.refresh_from_db()
    assert basket.status == Status.COMPLETED
    order = Order.objects.get(basket=basket)
    assert order.total == basket.total
    assert sorted(OrderLine.objects.filter(order=order).values_list("product_id", "quantity")) == (
        sorted(basket.lines.values_list("product_id", "quantity"))
    )
    assert Invoice.objects.get(order=order).amount == basket.total
    enrolment = CourseEnrolment.objects.get(order=order)
    assert (enrolment.course_id, enrolment.booked_user_id) == ("CRS-001", "U000001")
    event = BasketEvent.objects.filter(basket=basket).last()
    assert (event.action, event.actor_label, event.payload["order"]) == (
        "complete",
        "system:completion",
        order.number,
    )
    assert run() == {"completed": 0, "failed": 0, "gave_up": 0, "skipped": 0, "out_of_time": False}
    assert Order.objects.filter(basket=basket).count() == 1


@pytest.mark.django_db
def test_three_failures_end_in_completion_failed_and_no_more_attempts():
    """SPEC: CB-4 — exactly three attempts, then never again automatically."""
    basket = paid_basket()
    Product.objects.filter(id="PRD-000").update(available=False)
    outcomes = [run() for _ in range(3)]
    assert [o["failed"] for o in outcomes] == [1, 1, 0]
    assert outcomes[2]["gave_up"] == 1
    basket.refresh_from_db()
    assert basket.status == Status.COMPLETION_FAILED
    assert basket.completion_attempts == 3
    assert basket.last_error == "Product PRD-000 was withdrawn before completion."
    assert not Order.objects.filter(basket=basket).exists()
    events = BasketEvent.objects.filter(basket=basket)
    assert events.filter(action="completion_attempt_failed").count() == 2
    assert events.filter(action="fail_completion").count() == 1

    Product.objects.filter(id="PRD-000").update(available=True)
    count = events.count()
    for _ in range(3):
        assert run()["completed"] == 0
    basket.refresh_from_db()
    assert (basket.status, basket.completion_attempts, events.count()) == (
        Status.COMPLETION_FAILED,
        3,
        count,
    )


@pytest.mark.django_db
def test_two_failures_then_success_is_completed_with_one_order():
    """SPEC: CB-4"""
    basket = paid_basket()
    Product.objects.filter(id="PRD-001").update(available=False)
    assert run()["failed"] == 1
    assert run()["failed"] == 1
    Product.objects.filter(id="PRD-001").update(available=True)
    assert run()["completed"] == 1
    basket.refresh_from_db()
    assert (basket.status, basket.completion_attempts, basket.last_error) == (
        Status.COMPLETED,
        3,
        "",
    )
    assert Order.objects.filter(basket=basket).count() == 1


@pytest.mark.django_db
def test_a_failing_hook_rolls_back_the_whole_basket(settings):
    """SPEC: CB-4 — a downstream hook raising leaves no order, no invoice, no lines."""
    settings.COMPLETION_HOOKS = ["tests.support.completion_hooks.refuse_marked_orders"]
    refused = paid_basket(booking_id="BK-REJECT")
    accepted = paid_basket(booking_id="BK-OK")
    summary = run()
    assert (summary["completed"], summary["failed"]) == (1, 1)
    refused.refresh_from_db()
    assert refused.status == Status.AWAITING_COMPLETION
    assert "ERP export refused the order" in refused.last_error
    assert not Order.objects.filter(basket=refused).exists()
    assert not OrderLine.objects.filter(order__basket=refused).exists()
    assert Basket.objects.get(pk=accepted.pk).status == Status.COMPLETED


@pytest.mark.django_db
def test_invoice_number_clash_is_a_failed_attempt():
    """SPEC: CB-4 — the clash rolls back the order; the error is kept."""
    other = paid_basket()
    assert run()["completed"] == 1
    basket = paid_basket()
    # The invoice number this basket needs was issued by hand to another order.
    Invoice.objects.filter(order__basket=other).update(number=invoice_number(basket.pk))
    assert run()["failed"] == 1
    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION
    assert "invoice" in basket.last_error and "already exists" in basket.last_error
    assert not Order.objects.filter(basket=basket).exists()


@pytest.mark.django_db
def test_a_lost_worker_uses_up_attempts_and_the_lease_frees_the_basket(settings):
    """SPEC: CB-4 — attempts are counted at the claim; a lease, not a status, holds the basket."""
    basket = paid_basket()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for attempt in range(1, 4):
            # A worker claims the basket and dies before doing anything.
            claimed, _ = completion_claim(run_started_at=timezone.now(), batch_size=10)
            assert claimed == [basket.pk]
            basket.refresh_from_db()
            assert basket.completion_attempts == attempt
            clock.shift(timedelta(seconds=5))
            assert run()["completed"] == 0, "the lease still holds the basket"
            clock.shift(settings.COMPLETION_LEASE)
        summary = run()
    assert summary["gave_up"] == 1
    basket.refresh_from_db()
    assert basket.status == Status.COMPLETION_FAILED
    assert basket.completion_attempts == 3
    assert "worker was lost" in basket.last_error
    assert not Order.objects.filter(basket=basket).exists()


@pytest.mark.django_db
def test_a_run_attempts_each_basket_at_most_once():
    """SPEC: CB-4 — a failed basket waits for the next run."""
    basket = paid_basket()
    Product.objects.filter(id="PRD-000").update(available=False)
    summary = completion_run(worker="test", batch_size=1)
    assert summary.failed == 1
    basket.refresh_from_db()
    assert basket.completion_attempts == 1
