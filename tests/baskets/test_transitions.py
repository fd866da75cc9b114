"""The status transition table, exhaustively (SPEC section 2)."""

import pytest

from baskets.exceptions import TransitionNotAllowed
from baskets.models import Basket, BasketEvent, Status
from baskets.services.transitions import RULES, TRANSITION_SERVICES, TRANSITIONS
from tests.support.factories import SYSTEM, basket_in_status
from tests.support.transitions import ARGUMENTS


def cases(kind: str) -> list:
    """Every status x every transition service, sorted by what the service must do there:
    "repeat" (already in the target: nothing changes), "move", or "refuse"."""

    def kind_of(status: str, action: str) -> str:
        rule = RULES[action]
        if status == rule.target:
            return "repeat"
        return "move" if status in rule.sources else "refuse"

    return [
        pytest.param(status, action, id=f"{status}-{action}")
        for status in Status.values
        for action in TRANSITION_SERVICES
        if kind_of(status, action) == kind
    ]


def test_every_rule_is_an_edge_of_the_graph_and_every_edge_has_a_service():
    edges = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    served = {(source, rule.target) for rule in RULES.values() for source in rule.sources}
    assert served == edges
    assert TRANSITIONS[Status.COMPLETED] == frozenset()


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action"), cases("move"))
def test_a_transition_from_an_allowed_status_moves_and_records_one_event(status, action):
    """SPEC: CB-3 CB-4 LC-4 — every allowed edge."""
    basket = basket_in_status(status)
    events_before = BasketEvent.objects.filter(basket=basket).count()
    target = RULES[action].target

    result = TRANSITION_SERVICES[action](basket_id=basket.pk, actor=SYSTEM, **ARGUMENTS[action])

    assert Basket.objects.get(pk=basket.pk).status == target == result.status
    events = list(BasketEvent.objects.filter(basket=basket).order_by("id"))
    assert len(events) == events_before + 1
    assert (events[-1].action, events[-1].from_status, events[-1].to_status) == (
        action,
        status,
        target,
    )
    assert events[-1].actor_label == "system:tests"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action"), cases("repeat"))
def test_a_transition_repeated_in_its_target_status_changes_nothing(status, action):
    """SPEC: CB-3 CB-4 LC-4 — safe to repeat."""
    basket = basket_in_status(status)
    events_before = BasketEvent.objects.filter(basket=basket).count()

    result = TRANSITION_SERVICES[action](basket_id=basket.pk, actor=SYSTEM, **ARGUMENTS[action])

    assert result.status == status
    assert BasketEvent.objects.filter(basket=basket).count() == events_before
    assert Basket.objects.get(pk=basket.pk).modified_at == basket.modified_at


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "action"), cases("refuse"))
def test_a_transition_from_any_other_status_is_refused_and_changes_nothing(status, action):
    """SPEC: CB-3 CB-4 LC-4 — every edge that is not in the graph."""
    basket = basket_in_status(status)
    events_before = BasketEvent.objects.filter(basket=basket).count()

    with pytest.raises(TransitionNotAllowed) as raised:
        TRANSITION_SERVICES[action](basket_id=basket.pk, actor=SYSTEM, **ARGUMENTS[action])

    assert raised.value.current == status
    stored = Basket.objects.get(pk=basket.pk)
    assert (stored.status, stored.modified_at) == (status, basket.modified_at)
    assert BasketEvent.objects.filter(basket=basket).count() == events_before


@pytest.mark.django_db
def test_status_outside_the_known_set_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    basket = basket_in_status(Status.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Basket.objects.filter(pk=basket.pk).update(status="shipped")
    assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_requeue_gives_a_fresh_set_of_attempts():
    """SPEC: CB-4"""
    basket = basket_in_status(Status.COMPLETION_FAILED)
    Basket.objects.filter(pk=basket.pk).update(completion_attempts=3)
    TRANSITION_SERVICES["requeue"](basket_id=basket.pk, actor=SYSTEM, reason="fixed")
    stored = Basket.objects.get(pk=basket.pk)
    assert (stored.status, stored.completion_attempts, stored.last_attempt_at) == (
        Status.AWAITING_COMPLETION,
        0,
        None,
    )
    assert stored.last_error == "test failure"
