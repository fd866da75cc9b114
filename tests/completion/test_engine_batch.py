"""The completion batch as statements (CB-3, CB-4): how many, what they lock, what hooks see."""

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from baskets.locks import baskets_lock_with_lines
from baskets.models import Basket, BasketEvent, Order, OutboxEvent, Status
from completion.services import completion_run
from tests.support.completion import paid_basket

SEEN: list[tuple[str, str, str]] = []


def record_what_it_sees(order: Order) -> None:
    """A hook that keeps what it was given: the basket's status and booking ID, and the order."""
    basket = Basket.objects.get(pk=order.basket_id)
    SEEN.append((basket.status, basket.booking_id, order.number))


def statements_of_one_run(baskets: int) -> int:
    for _ in range(baskets):
        paid_basket()
    with CaptureQueriesContext(connection) as queries:
        assert completion_run(worker="test", batch_size=100).completed == baskets
    return len([query for query in queries if "SAVEPOINT" not in query["sql"]])


@pytest.mark.django_db
def test_a_batch_takes_the_same_few_statements_however_many_baskets_it_holds():
    """SPEC: CB-3 — claim 1, lock and check 1, orders 1, Completed 1, the empty claim 1,
    the attempts setting 1: a batch's round trips do not grow with its baskets."""
    two = statements_of_one_run(2)
    twelve = statements_of_one_run(12)
    assert two == twelve <= 6


@pytest.mark.django_db
def test_hooks_run_last_and_see_the_basket_as_it_commits(settings):
    """SPEC: CB-3 CB-1 — a hook gets each order with its basket already Completed and the
    booking ID set (the order's number unless one was given), in the batch and, after a
    refused order rolled the batch back, in the one-basket path."""
    settings.COMPLETION_HOOKS = ["tests.completion.test_engine_batch.record_what_it_sees"]
    SEEN.clear()
    first, second = paid_basket(), paid_basket()
    assert completion_run(worker="test").completed == 2
    numbers = dict(Order.objects.values_list("basket_id", "number"))
    assert sorted(SEEN) == sorted(
        (Status.COMPLETED, numbers[basket.pk], numbers[basket.pk]) for basket in (first, second)
    )

    SEEN.clear()
    settings.COMPLETION_HOOKS = [
        "tests.completion.test_engine_batch.record_what_it_sees",
        "tests.support.completion_hooks.refuse_marked_orders",
    ]
    refused, accepted = paid_basket(booking_id="BK-REJECT"), paid_basket()
    summary = completion_run(worker="test")
    assert (summary.completed, summary.failed) == (1, 1)
    number = Order.objects.get(basket=accepted).number
    assert not Order.objects.filter(basket=refused).exists()
    assert (Status.COMPLETED, number, number) in SEEN
    assert {seen for seen in SEEN if seen[2] == number} == {(Status.COMPLETED, number, number)}
    assert {seen[:2] for seen in SEEN if seen[2] != number} == {(Status.COMPLETED, "BK-REJECT")}


@pytest.mark.django_db
def test_the_completed_transition_records_its_event_and_outbox_rows_in_order():
    """SPEC: CB-3 IN-1 — one complete event per basket with the run's payload; each basket's
    basket.status_changed comes before its order.created."""
    baskets = [paid_basket(course=False) for _ in range(3)]
    completion_run(worker="runner-1")
    for basket in baskets:
        event = BasketEvent.objects.get(basket=basket, action="complete")
        assert (event.from_status, event.to_status, event.actor_label) == (
            Status.AWAITING_COMPLETION,
            Status.COMPLETED,
            "system:completion",
        )
        assert event.payload == {
            "order": Order.objects.get(basket=basket).number,
            "attempt": 1,
            "worker": "runner-1",
        }
        types = list(
            OutboxEvent.objects.filter(basket_id=basket.pk)
            .order_by("id")
            .values_list("event_type", flat=True)
        )
        assert types[-2:] == ["basket.status_changed", "order.created"]


def _other_connection():
    database = connection.settings_dict
    return psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or "postgres",
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or "127.0.0.1",
        port=database.get("PORT") or None,
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_the_batch_lock_holds_every_line_and_every_basket():
    """SPEC: CB-3 — while a batch is locked nobody else can lock its lines or baskets."""
    baskets = [paid_basket(), paid_basket()]
    line_ids = [line.pk for basket in baskets for line in basket.lines.all()]
    with transaction.atomic():
        rows = baskets_lock_with_lines([basket.pk for basket in baskets])
        assert rows == [(basket.pk, Status.AWAITING_COMPLETION) for basket in baskets]
        with _other_connection() as other:
            basket_ids = [basket.pk for basket in baskets]
            for table, ids in (("baskets_line", line_ids), ("baskets_basket", basket_ids)):
                for pk in ids:
                    with pytest.raises(psycopg.errors.LockNotAvailable):
                        other.execute(
                            f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk]
                        )
