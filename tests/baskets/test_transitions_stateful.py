"""Random sequences of transitions keep the basket consistent (SPEC section 2)."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from baskets.exceptions import TransitionNotAllowed
from baskets.models import Basket, BasketEvent, Status
from baskets.services.transitions import RULES, TRANSITION_SERVICES
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.transitions import ARGUMENTS


class BasketLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.basket = BasketFactory()
        self.expected = Status.ACTIVE
        self.changes = 0
        self.completed_snapshot = None

    @rule(action=st.sampled_from(sorted(TRANSITION_SERVICES)))
    def apply(self, action):
        rule_ = RULES[action]
        before = self.expected
        try:
            TRANSITION_SERVICES[action](basket_id=self.basket.pk, actor=SYSTEM, **ARGUMENTS[action])
        except TransitionNotAllowed:
            assert before not in rule_.sources and before != rule_.target
            return
        if before != rule_.target:
            assert before in rule_.sources
            self.expected = rule_.target
            self.changes += 1

    @invariant()
    def status_is_known_and_matches(self):
        stored = Basket.objects.get(pk=self.basket.pk)
        assert stored.status in Status.values
        assert stored.status == self.expected

    @invariant()
    def one_event_per_change(self):
        assert BasketEvent.objects.filter(basket=self.basket).count() == self.changes

    @invariant()
    def completed_never_changes(self):
        stored = Basket.objects.filter(pk=self.basket.pk).values().get()
        if stored["status"] != Status.COMPLETED:
            return
        if self.completed_snapshot is None:
            self.completed_snapshot = stored
        assert stored == self.completed_snapshot


@pytest.mark.django_db
def test_random_transition_sequences():
    """SPEC: CB-4 LC-4 — status always known, one event per change, completed is final."""
    run_state_machine_as_test(
        BasketLifecycle,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
