"""A payment result racing a staff Unlock or Delete on the same locked basket, in two
processes on PostgreSQL (SPEC LC-4, API-2): one consistent end state, both recorded or one
refused, never a lost update."""

import pytest
from django.utils import timezone

from baskets.models import Basket, BasketEvent, PaymentResult, Stage, Status
from baskets.services.actors import Actor
from baskets.services.staff import basket_delete
from tests.support.factories import basket_in_status
from tests.support.processes import race as race_processes

BASKETS = 30
STAFF = Actor.system("tests-staff")


def race(roles: list[str], baskets: list[Basket]) -> list[dict[int, str]]:
    pairs = [f"{basket.pk}:{basket.guid}" for basket in baskets]
    # The staff side walks the baskets in reverse: the two meet in the middle, so both
    # orders (result first, staff first) happen in one run.
    return race_processes(
        "tests.support.race_worker",
        [[f"payment:{role}", *(pairs if role == "paid" else pairs[::-1])] for role in roles],
    )


def locked_at_payment() -> Basket:
    """Locked with its payment started (a result for it is for that payment: AC-2)."""
    return basket_in_status(Status.LOCKED, stage=Stage.PAYMENT, payment_started_at=timezone.now())


def actions(basket: Basket) -> list[str]:
    return list(
        BasketEvent.objects.filter(basket_guid=basket.guid)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_paid_result_racing_staff_unlock():
    """SPEC: LC-4 API-2 AC-2 — either unlock (which ends the payment attempt) then the paid
    result kept for reconciliation, or paid then the unlock refused."""
    baskets = [locked_at_payment() for _ in range(BASKETS)]
    payments, unlocks = race(["paid", "unlock"], baskets)
    seen = set()
    for basket in baskets:
        outcome = (payments[basket.pk], unlocks[basket.pk])
        seen.add(outcome)
        stored = Basket.objects.get(pk=basket.pk)
        result = PaymentResult.objects.get(basket_guid=basket.guid)
        if outcome == ("recorded", "changed"):
            assert stored.status == Status.ACTIVE and stored.hold_ended_at is not None
            assert actions(basket) == ["lock", "unlock", "payment_reconciliation"]
            assert result.outcome == "reconciliation"
        else:
            assert outcome == ("changed", "refused")
            assert stored.status == Status.AWAITING_COMPLETION
            assert stored.payment_reference == f"PAY-{basket.pk}"
            assert actions(basket) == ["lock", "mark_paid"]
            assert stored.hold_ended_at is None
            assert result.outcome == "applied"
    print("outcomes seen:", sorted(seen))


@pytest.mark.django_db(transaction=True)
def test_paid_result_racing_staff_delete():
    """SPEC: LC-4 BM-1 API-2 — either deleted and the result kept for reconciliation, or
    paid and the delete refused."""
    baskets = [locked_at_payment() for _ in range(BASKETS)]
    payments, deletes = race(["paid", "delete"], baskets)
    seen = set()
    for basket in baskets:
        outcome = (payments[basket.pk], deletes[basket.pk])
        seen.add(outcome)
        result = PaymentResult.objects.get(basket_guid=basket.guid)
        if outcome == ("recorded", "changed"):
            assert not Basket.objects.filter(pk=basket.pk).exists()
            assert actions(basket) == ["lock", "delete"]
            assert (result.basket_id, result.outcome) == (None, "reconciliation")
        else:
            assert outcome == ("changed", "refused")
            assert Basket.objects.get(pk=basket.pk).status == Status.AWAITING_COMPLETION
            assert actions(basket) == ["lock", "mark_paid"]
            assert (result.basket_id, result.outcome) == (basket.pk, "applied")
    print("outcomes seen:", sorted(seen))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deleted", [False, True], ids=["basket", "deleted-basket"])
def test_the_same_idempotency_key_twice_at_once_is_applied_once(deleted):
    """SPEC: API-2 LC-4 — a provider's retry arriving with the first request: one stored
    result, one change, and both answered the same (on a deleted basket too, where no row
    lock orders the two)."""
    baskets = [locked_at_payment() for _ in range(BASKETS)]
    if deleted:
        for basket in baskets:
            basket_delete(basket_id=basket.pk, actor=STAFF, reason="broken")
    pairs = [f"{basket.pk}:{basket.guid}" for basket in baskets]
    first, second = race_processes(
        "tests.support.race_worker", [["payment:paid-keyed", *pairs]] * 2
    )
    expected = "recorded" if deleted else "changed"
    for basket in baskets:
        assert (first[basket.pk], second[basket.pk]) == (expected, expected)
        [result] = PaymentResult.objects.filter(basket_guid=basket.guid)
        assert result.idempotency_key == f"KEY-{basket.pk}"
        assert actions(basket).count("mark_paid") == (0 if deleted else 1)
