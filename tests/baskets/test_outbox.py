"""The transactional outbox: events written with the change they report (IN-1)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from abandonment.services.capture import abandonment_sweep
from baskets.models import EventType, OutboxEvent, Status
from baskets.services.transitions import basket_fail_completion, basket_lock, basket_mark_paid
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM, BasketFactory, LineFactory, basket_in_status
from tests.support.recovery import basket_with_line, recover


def events(basket) -> list[tuple[str, dict]]:
    return [
        (event.event_type, event.payload)
        for event in OutboxEvent.objects.filter(basket_id=basket.pk).order_by("id")
    ]


@pytest.mark.django_db
def test_a_status_change_records_one_status_changed_event_with_the_change():
    """SPEC: IN-1 — basket.status_changed: GUID, from, to, action; nothing personal."""
    basket = BasketFactory(customer=True)

    basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending payment")

    ((event_type, payload),) = events(basket)
    assert event_type == EventType.BASKET_STATUS_CHANGED
    assert set(payload) == {"basket_guid", "from_status", "to_status", "action", "changed_at"}
    assert payload["basket_guid"] == str(basket.guid)
    assert (payload["from_status"], payload["to_status"]) == (Status.ACTIVE, Status.LOCKED)
    assert payload["action"] == "lock"


@pytest.mark.django_db
def test_a_repeated_transition_records_nothing_more():
    """SPEC: IN-1 — a retried transition that changes nothing sends no event."""
    basket = BasketFactory()
    basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="first")
    basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="again")
    assert len(events(basket)) == 1


@pytest.mark.django_db
def test_failing_completion_records_status_changed_and_completion_failed():
    """SPEC: IN-1 CB-4 — completion.failed with attempts and the error, card numbers removed."""
    basket = basket_in_status(Status.AWAITING_COMPLETION)
    OutboxEvent.objects.all().delete()

    basket_fail_completion(
        basket_id=basket.pk, actor=SYSTEM, error="hook said 4111 1111 1111 1111 bad"
    )

    (changed, failed) = events(basket)
    assert changed[0] == EventType.BASKET_STATUS_CHANGED
    assert changed[1]["to_status"] == Status.COMPLETION_FAILED
    assert failed[0] == EventType.COMPLETION_FAILED
    assert failed[1]["error"] == "hook said [card number removed] bad"
    assert failed[1]["attempts"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transition_leaves_no_event():
    """SPEC: IN-1 — the event rolls back with its change."""
    basket = BasketFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        basket_mark_paid(basket_id=basket.pk, actor=SYSTEM)
        raise RuntimeError("the caller fails after the transition")

    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE
    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [50, 1], ids=["batch", "one-by-one"])
def test_completion_records_status_changed_and_order_created(batch_size):
    """SPEC: IN-1 CB-3 — the completion batch and the per-basket path both record the order."""
    baskets = [paid_basket(course=False) for _ in range(3)]
    before = OutboxEvent.objects.count()

    summary = completion_run(worker="test", batch_size=batch_size)

    assert summary.completed == 3
    assert OutboxEvent.objects.count() == before + 6
    for basket in baskets:
        basket.refresh_from_db()
        changed, created = events(basket)[-2:]
        assert changed[0] == EventType.BASKET_STATUS_CHANGED
        assert (changed[1]["from_status"], changed[1]["to_status"]) == (
            Status.AWAITING_COMPLETION,
            Status.COMPLETED,
        )
        assert created[0] == EventType.ORDER_CREATED
        assert created[1]["basket_guid"] == str(basket.guid)
        assert created[1]["order_number"] == basket.order.number
        assert created[1]["total"] == f"{basket.total:.2f}"
        assert created[1]["currency"] == basket.currency


@pytest.mark.django_db
def test_the_abandonment_sweep_records_basket_abandoned_in_its_statement():
    """SPEC: IN-1 AB-1 — one basket.abandoned per captured basket, none for the others."""
    now = timezone.now()
    # A lead (a line and an e-mail, here the login's) is what the sweep captures.
    idle = BasketFactory(customer=True, last_activity_at=now - timedelta(hours=2), total="12.00")
    LineFactory(basket=idle)
    fresh = BasketFactory(last_activity_at=now)

    assert abandonment_sweep(now=now) == (1, False)

    ((event_type, payload),) = events(idle)
    assert event_type == EventType.BASKET_ABANDONED
    assert payload["basket_guid"] == str(idle.guid)
    assert (payload["total"], payload["currency"]) == ("12.00", idle.currency)
    assert events(fresh) == []


@pytest.mark.django_db
def test_recovering_a_basket_records_basket_recovered(client):
    """SPEC: IN-1 RL-1 — basket.recovered with the re-priced total."""
    basket = basket_with_line()

    recover(client, basket)

    ((event_type, payload),) = events(basket)
    assert event_type == EventType.BASKET_RECOVERED
    assert payload["basket_guid"] == str(basket.guid)
    assert payload["total"] == "20.00"
