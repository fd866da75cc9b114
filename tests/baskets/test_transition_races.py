"""Two processes racing transitions on the same baskets in PostgreSQL (SPEC section 2)."""

import pytest

from baskets.models import Basket, BasketEvent, Status
from tests.support.factories import basket_in_status
from tests.support.processes import race as race_processes

BASKETS = 40


def race(actions: list[str], ids: list[int]) -> list[dict[int, str]]:
    return race_processes(
        "tests.support.race_worker",
        [[f"transition:{action}", *map(str, ids)] for action in actions],
    )


@pytest.mark.django_db(transaction=True)
def test_same_transition_raced_by_two_processes_changes_once():
    """SPEC: LC-4 — both confirm; exactly one changes each basket and records one event."""
    ids = [basket_in_status(Status.LOCKED).pk for _ in range(BASKETS)]
    first, second = race(["confirm", "confirm"], ids)
    for pk in ids:
        assert sorted([first[pk], second[pk]]) == ["changed", "unchanged"]
        assert Basket.objects.get(pk=pk).status == Status.AWAITING_COMPLETION
        assert BasketEvent.objects.filter(basket_id=pk, action="confirm").count() == 1


@pytest.mark.django_db(transaction=True)
def test_unlock_racing_confirm_has_exactly_one_winner():
    """SPEC: LC-4 — unlock and confirm on the same locked basket: one wins, one is refused."""
    ids = [basket_in_status(Status.LOCKED).pk for _ in range(BASKETS)]
    unlocks, confirms = race(["unlock", "confirm"], ids)
    for pk in ids:
        outcomes = sorted([unlocks[pk], confirms[pk]])
        assert outcomes == ["changed", "refused"], (pk, outcomes)
        stored = Basket.objects.get(pk=pk)
        winner = "unlock" if unlocks[pk] == "changed" else "confirm"
        expected = Status.ACTIVE if winner == "unlock" else Status.AWAITING_COMPLETION
        assert stored.status == expected
        actions = list(
            BasketEvent.objects.filter(basket_id=pk)
            .exclude(action="lock")
            .values_list("action", flat=True)
        )
        assert actions == [winner]
