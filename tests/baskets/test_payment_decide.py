"""Payment results as decide, then apply (SPEC API-2, LC-1, AC-2): the decision is one
pure function of the locked basket and the result, tested as one table; applying a paid
result locks and writes the basket row once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from baskets.models import Basket, Stage, Status
from baskets.services.actors import Actor
from baskets.services.payments import payment_decide, payment_result_record
from tests.support.factories import BasketFactory, LineFactory

A = Status.ACTIVE
L = Status.LOCKED
AW = Status.AWAITING_COMPLETION
TOTAL = Decimal("39.80")


def basket(status: Status, *, stage: str = Stage.PAYMENT, started: bool = True) -> Basket:
    """An unsaved basket: the decision reads the row, never the database."""
    return Basket(
        status=status,
        stage=stage,
        payment_started_at=timezone.now() if started else None,
        total=TOTAL,
        currency="EUR",
    )


R = "reconciliation"
OK = "applied"

# (basket, result, amount, pending policy locks) -> (outcome, action, status after, code,
# attempt ends)
CASES = [
    ("deleted", None, "paid", TOTAL, False, (R, None, "", "basket_deleted", False)),
    ("paid", basket(A), "paid", TOTAL, False, (OK, "mark_paid", AW, "", False)),
    ("paid-locked", basket(L), "paid", TOTAL, False, (OK, "mark_paid", AW, "", False)),
    ("pending-locks", basket(A), "pending", TOTAL, True, (OK, "lock", L, "", False)),
    ("pending-waits", basket(A), "pending", TOTAL, False, (OK, "payment_pending", A, "", False)),
    ("pending-locked", basket(L), "pending", TOTAL, True, (OK, "payment_pending", L, "", False)),
    ("failed", basket(A), "failed", TOTAL, False, (OK, "payment_failed", A, "", True)),
    ("cancelled", basket(A), "cancelled", TOTAL, False, (OK, "payment_cancelled", A, "", True)),
    ("failed-locked", basket(L), "failed", TOTAL, False, (OK, "payment_failed", L, "", False)),
    (
        "already-paid",
        basket(AW),
        "paid",
        TOTAL,
        False,
        (R, "payment_reconciliation", AW, "", False),
    ),
    (
        "completed",
        basket(Status.COMPLETED),
        "failed",
        TOTAL,
        False,
        (R, "payment_reconciliation", Status.COMPLETED, "", False),
    ),
    (
        "not-at-payment",
        basket(A, stage=Stage.BASKET),
        "paid",
        TOTAL,
        False,
        (R, "payment_reconciliation", A, "payment_not_started", False),
    ),
    (
        "attempt-ended",
        basket(A, started=False),
        "paid",
        TOTAL,
        False,
        (R, "payment_reconciliation", A, "payment_not_started", False),
    ),
    (
        "amount-mismatch",
        basket(L),
        "paid",
        Decimal("39.79"),
        False,
        (R, "payment_reconciliation", L, "amount_mismatch", False),
    ),
]


@pytest.mark.parametrize(
    ("locked", "result", "amount", "pending_locks", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_payment_decide(locked, result, amount, pending_locks, expected):
    """SPEC: API-2 LC-1 AC-2 SH-5 — every status x result x check, without a database."""
    decision = payment_decide(
        basket=locked, result=result, amount=amount, currency="EUR", pending_locks=pending_locks
    )
    action = decision.action.value if decision.action is not None else None
    assert (
        decision.outcome,
        action,
        decision.status_after,
        decision.code,
        decision.ends_attempt,
    ) == expected


@pytest.mark.django_db
def test_a_paid_result_locks_and_writes_the_basket_row_once():
    """SPEC: API-2 — one lock, one write of the basket, and its answer without re-reading."""
    paying = BasketFactory(stage=Stage.PAYMENT, total=TOTAL)
    LineFactory(basket=paying, quantity=2)
    Basket.objects.filter(pk=paying.pk).update(payment_started_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        answer = payment_result_record(
            guid=paying.guid,
            result="paid",
            actor=Actor.system("tests-provider"),
            amount=TOTAL,
            currency="EUR",
            provider_reference="PAY-1",
        )

    assert answer.body["status"] == AW
    basket_statements = [
        query["sql"] for query in queries.captured_queries if '"baskets_basket"' in query["sql"]
    ]
    locks = [sql for sql in basket_statements if "FOR UPDATE" in sql]
    writes = [sql for sql in basket_statements if sql.startswith("UPDATE")]
    assert (len(locks), len(writes)) == (1, 1), basket_statements
