"""One rule, one implementation: where a rule has a Python form and an SQL form (the SQL for
the completion engine's batches), both give the same answer on the same baskets; where there
is only one form, the other path runs it.

- the Completed transition: ``basket_complete`` (one basket) runs the engine's statement, so
  a basket completed either way has the same columns, timeline row and outbox rows;
- who books a seat (``Purchaser.booker_id`` and ``BOOKER_SQL``) and the billing object
  (``billing_object_of`` and ``BILLING_OBJECT_SQL``);
- basket.status_changed's payload (``status_changed_payload`` and the statement's);
- a timeline row (``timeline_row`` and the statement's ``events``).
"""

import re
from datetime import datetime
from itertools import product
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from psycopg import sql

from baskets.models import (
    Basket,
    BasketEvent,
    EventType,
    OutboxEvent,
    PurchaserType,
    Salesperson,
    Status,
    TimelineAction,
)
from baskets.services.outbox import status_changed_payload
from baskets.services.purchaser import (
    BILLING_OBJECT_SQL,
    BOOKER_SQL,
    billing_object_of,
    purchaser_of,
)
from baskets.services.timeline import timeline_row
from baskets.services.transitions import basket_complete, basket_lock
from baskets.statements import statement_text, table
from completion.services.engine import COMPLETION, basket_completion_attempt
from completion.services.order_statement import orders_create
from tests.support.completion import paid_basket
from tests.support.factories import (
    SYSTEM,
    BasketFactory,
    CustomerAccountFactory,
    ShopAccountFactory,
)


def _over_basket(expression: sql.Composable, basket_id: int):
    """``expression`` (SQL over the row ``basket``) evaluated for one basket."""
    query = sql.SQL("SELECT {expression} FROM {basket} AS basket WHERE basket.id = %s").format(
        expression=expression, basket=table(Basket)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement_text(query), [basket_id])
        return cursor.fetchone()[0]


def _seller(name: str) -> Salesperson:
    return Salesperson.objects.create(shop_account=ShopAccountFactory(name=name))


@pytest.mark.django_db
def test_who_books_a_seat_is_one_rule_in_python_and_sql():
    """SPEC: CB-1 — the basket's own login, else its salesperson's, else nobody; with or
    without a customer account of either purchaser type."""
    company = CustomerAccountFactory(purchaser_type=PurchaserType.ACCOUNT)
    private = CustomerAccountFactory(purchaser_type=PurchaserType.USER)
    cases = list(
        product(
            [None, "login"],
            [None, "seller"],
            [None, company, private],
        )
    )
    for shop_account, salesperson, customer in cases:
        login = ShopAccountFactory(customer_account=customer) if shop_account else None
        seller = _seller("Seller") if salesperson else None
        basket = BasketFactory(shop_account=login, salesperson=seller, customer_account=customer)
        expected = purchaser_of(
            shop_account=login, customer_account=customer, salesperson=seller
        ).booker_id
        assert _over_basket(BOOKER_SQL, basket.pk) == expected, (shop_account, salesperson)


@pytest.mark.django_db
def test_the_billing_object_is_one_rule_in_python_and_sql():
    """SPEC: CB-1 — the purchaser's billing object, else its label, for every purchaser."""
    company = CustomerAccountFactory(name="Acme AS", erp_account_id="C0000001")
    private = CustomerAccountFactory(purchaser_type=PurchaserType.USER)
    purchasers = [
        purchaser_of(shop_account=None, customer_account=None, salesperson=None),
        purchaser_of(
            shop_account=ShopAccountFactory(customer_account=company),
            customer_account=company,
            salesperson=None,
        ),
        purchaser_of(
            shop_account=ShopAccountFactory(customer_account=private),
            customer_account=private,
            salesperson=None,
        ),
        purchaser_of(shop_account=ShopAccountFactory(), customer_account=None, salesperson=None),
        purchaser_of(shop_account=None, customer_account=None, salesperson=_seller("Ola")),
    ]
    for purchaser, typed in product(purchasers, ["", "Typed at checkout"]):
        basket = BasketFactory(billing_object=purchaser.billing_object, purchaser_label=typed)
        expected = billing_object_of(billing_object=purchaser.billing_object, label=typed)
        assert _over_basket(BILLING_OBJECT_SQL, basket.pk) == expected, purchaser


def _complete_with_basket_complete(basket: Basket) -> None:
    """The one-basket API: the order made, then ``basket_complete`` in the same transaction."""
    with transaction.atomic():
        orders_create([basket.pk], timezone.now())
        basket_complete(basket_id=basket.pk, actor=COMPLETION, payload={"order": "one"})


def _what_completion_wrote(basket: Basket) -> dict:
    basket.refresh_from_db()
    event = BasketEvent.objects.get(basket=basket, action=TimelineAction.COMPLETE)
    outbox = OutboxEvent.objects.filter(basket_id=basket.pk, created_at=event.created_at)
    columns = ("status", "booked_user_id", "billing_object", "last_error")
    return {
        "basket": {column: getattr(basket, column) for column in columns},
        "booking_id is the order's": basket.booking_id == basket.order.number,
        "event": (event.from_status, event.to_status, event.actor_label, event.reason),
        "outbox": [(row.event_type, sorted(row.payload)) for row in outbox.order_by("id")],
    }


@pytest.mark.django_db
def test_basket_complete_writes_what_the_engine_writes():
    """SPEC: CB-1 CB-3 IN-1 — one implementation of the Completed transition: a basket
    completed by ``basket_complete`` (a batch of one) and one completed by the engine have the
    same columns, timeline row and outbox rows."""
    company = CustomerAccountFactory(name="Acme AS", erp_account_id="C0000001")
    by_engine, by_one = (
        paid_basket(
            shop_account=ShopAccountFactory(customer_account=company),
            customer_account=company,
            purchaser_label="Ola",
        )
        for _ in range(2)
    )
    assert basket_completion_attempt(basket_id=by_engine.pk, worker="test") == "completed"
    _complete_with_basket_complete(by_one)

    engine, one = _what_completion_wrote(by_engine), _what_completion_wrote(by_one)
    assert engine == one
    assert engine["basket"]["status"] == Status.COMPLETED
    assert engine["booking_id is the order's"] is True
    assert engine["outbox"][-1][0] == EventType.ORDER_CREATED


@pytest.mark.django_db
def test_basket_status_changed_payload_is_the_same_from_python_and_sql():
    """SPEC: IN-1 — the payload the Completed statement builds equals
    ``status_changed_payload`` (which every other transition writes) for the same change."""
    completed = paid_basket()
    assert basket_completion_attempt(basket_id=completed.pk, worker="test") == "completed"
    row = OutboxEvent.objects.get(
        basket_id=completed.pk,
        event_type=EventType.BASKET_STATUS_CHANGED,
        payload__action="complete",
    )
    at = datetime.fromisoformat(row.payload["changed_at"])
    assert row.payload == status_changed_payload(
        basket_guid=completed.guid,
        from_status=Status.AWAITING_COMPLETION,
        to_status=Status.COMPLETED,
        action=TimelineAction.COMPLETE,
        at=at,
    )

    locked = BasketFactory()
    basket_lock(basket_id=locked.pk, actor=SYSTEM, reason="pending payment")
    python = OutboxEvent.objects.get(
        basket_id=locked.pk, event_type=EventType.BASKET_STATUS_CHANGED
    )
    assert sorted(python.payload) == sorted(row.payload)
    assert python.payload == status_changed_payload(
        basket_guid=locked.guid,
        from_status=Status.ACTIVE,
        to_status=Status.LOCKED,
        action=TimelineAction.LOCK,
        at=datetime.fromisoformat(python.payload["changed_at"]),
    )


@pytest.mark.django_db
def test_a_timeline_row_is_the_same_from_python_and_sql():
    """SPEC: CB-3 — the Completed statement's timeline row has every column ``timeline_row``
    gives (the one rule of the Python writers) for the same entry."""
    basket = paid_basket()
    assert basket_completion_attempt(basket_id=basket.pk, worker="test") == "completed"
    basket.refresh_from_db()
    written = BasketEvent.objects.get(basket=basket, action=TimelineAction.COMPLETE)
    expected = timeline_row(
        basket=basket,
        action=TimelineAction.COMPLETE,
        actor=COMPLETION,
        payload=written.payload,
        from_status=Status.AWAITING_COMPLETION,
        at=written.created_at,
    )
    assert model_to_dict(written, exclude=["id"]) == model_to_dict(expected, exclude=["id"])
    assert written.basket_guid == expected.basket_guid == basket.guid


def _product_sources() -> dict[str, str]:
    root = Path(__file__).resolve().parents[2]
    return {
        str(path.relative_to(root)): path.read_text()
        for app in root.iterdir()
        # The bench's yardstick SQL is not the product.
        if (app / "apps.py").is_file() and app.name != "benchmarks"
        for path in app.rglob("*.py")
        if "migrations" not in path.parts
    }


def test_each_row_is_built_in_one_python_place_and_one_statement():
    """Timeline rows: ``timeline_row`` is the only Python constructor and the Completed
    statement the only SQL writer; basket.status_changed: ``status_changed_payload`` and the
    same statement. So the parity tests above cover every form there is."""
    sources = _product_sources()

    def where(text: str) -> set[str]:
        return {path for path, source in sources.items() if re.search(text, source)}

    assert where(r"(?<!class )BasketEvent\(") == {"baskets/services/timeline.py"}
    assert where(r"BasketEvent\.objects\.create|baskets_basketevent") == set()
    assert where(r"table\(BasketEvent\)") == {"baskets/services/complete_statement.py"}
    assert where("'to_status', ") == {"baskets/services/complete_statement.py"}
    assert where(r'"to_status": str\(to_status\)') == {"baskets/services/outbox.py"}
