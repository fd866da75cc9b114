"""Staff line edits (seed 001, SPEC BM-1 CB-1 IN-1): remove a line or change its quantity on
an Active basket that is neither locked nor paid, with a reason: re-priced, in the timeline,
in the outbox; refused with a message otherwise, nothing changed."""

from decimal import Decimal

import pytest
from django.utils import timezone

from baskets.models import Basket, BasketEvent, Line, OutboxEvent, Status
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, LineFactory, basket_in_status

EDIT = "/admin/baskets/basket/line-edit/"
QUANTITY_REFUSED = (
    "Refused: Cannot edit the line: the quantity must be a whole number from 1 to 9999 "
    "(0 removes)."
)


@pytest.fixture
def processor(client):
    client.force_login(staff_user("Order processor", "olga"))
    return client


def with_lines(basket: Basket) -> tuple[Line, Line]:
    broken = LineFactory(basket=basket, product_id="CRS-BROKEN", quantity=2, unit_price="40.00")
    book = LineFactory(basket=basket, product_id="BOOK", quantity=1, unit_price="15.50")
    Basket.objects.filter(pk=basket.pk).update(total=Decimal("95.50"), currency="EUR")
    return broken, book


def snapshot() -> list:
    return [
        list(Basket.objects.order_by("pk").values()),
        list(Line.objects.order_by("pk").values()),
        list(BasketEvent.objects.order_by("pk").values()),
        list(OutboxEvent.objects.order_by("pk").values()),
    ]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_removing_a_line_reprices_and_is_in_the_timeline_and_outbox(processor):
    """SPEC: BM-1 IN-1 — the broken line goes, the total is the rest, one timeline entry
    with who and why, one outbox event with the change."""
    basket = BasketFactory()
    broken, book = with_lines(basket)

    response = processor.post(
        EDIT,
        {"line": broken.pk, "remove": "Remove line", "reason": "course cancelled"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/admin/baskets/basket/{basket.pk}/change/", 302)]
    assert messages_of(response) == ["Line removed; the total is now 15.50 EUR."]
    basket.refresh_from_db()
    assert basket.total == Decimal("15.50") and basket.status == Status.ACTIVE
    assert list(basket.lines.values_list("pk", flat=True)) == [book.pk]
    event = BasketEvent.objects.get(basket=basket, action="line_remove")
    assert (event.actor_label, event.reason) == ("staff:olga", "course cancelled")
    assert event.payload["quantity"] == {"from": 2, "to": 0}
    assert event.payload["total"] == {"from": "95.50", "to": "15.50"}
    outbox = OutboxEvent.objects.get(event_type="basket.lines_changed")
    assert outbox.basket_id == basket.pk
    assert outbox.payload == {
        "basket_guid": str(basket.guid),
        "action": "line_remove",
        "line_id": broken.pk,
        "product_id": "CRS-BROKEN",
        "variant_id": "",
        "quantity": {"from": 2, "to": 0},
        "total": {"from": "95.50", "to": "15.50"},
        "currency": "EUR",
    }


@pytest.mark.django_db
def test_changing_a_quantity_reprices_and_is_in_the_timeline_and_outbox(processor):
    """SPEC: BM-1 IN-1"""
    basket = BasketFactory()
    broken, _ = with_lines(basket)

    response = processor.post(
        EDIT, {"line": broken.pk, "quantity": "1", "reason": "one seat only"}, follow=True
    )

    assert messages_of(response) == ["Quantity set to 1; the total is now 55.50 EUR."]
    basket.refresh_from_db()
    assert basket.total == Decimal("55.50")
    assert Line.objects.get(pk=broken.pk).quantity == 1
    event = BasketEvent.objects.get(basket=basket, action="line_quantity_change")
    assert (event.reason, event.payload["quantity"]) == ("one seat only", {"from": 2, "to": 1})
    outbox = OutboxEvent.objects.get(event_type="basket.lines_changed")
    assert (outbox.payload["action"], outbox.payload["total"]) == (
        "line_quantity_change",
        {"from": "95.50", "to": "55.50"},
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.LOCKED, "the basket is Locked, not Active."),
        (Status.AWAITING_COMPLETION, "the basket is Awaiting Completion, not Active."),
        (Status.COMPLETED, "the basket is Completed, not Active."),
    ],
    ids=["locked", "awaiting-completion", "completed"],
)
@pytest.mark.django_db
def test_refused_unless_active_and_nothing_changes(processor, status, message):
    """SPEC: BM-1 LC-4 — a Locked, paid or completed basket keeps its lines: a message, no
    change, no timeline entry, no outbox event; the page offers no line edits."""
    basket = basket_in_status(status)
    broken, _ = with_lines(basket)
    assert Basket.objects.get(pk=basket.pk).status == status
    before = snapshot()

    response = processor.post(
        EDIT, {"line": broken.pk, "remove": "Remove line", "reason": "try"}, follow=True
    )

    assert messages_of(response) == [f"Refused: Cannot edit the line: {message}"]
    assert snapshot() == before
    page = processor.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert 'id="line-edits"' not in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"quantity": "1", "reason": "  "},
            "Refused: Cannot edit the line: give a reason: it is kept in the timeline.",
        ),
        (
            {"quantity": "10000", "reason": "x"},
            QUANTITY_REFUSED,
        ),
        (
            {"quantity": "-1", "reason": "x"},
            QUANTITY_REFUSED,
        ),
        (
            {"quantity": "two", "reason": "x"},
            "Give a line and a whole-number quantity; nothing was changed.",
        ),
    ],
    ids=["no-reason", "too-many", "negative", "not-a-number"],
)
@pytest.mark.django_db
def test_bad_input_is_a_message_and_changes_nothing(processor, fields, message):
    """SPEC: BM-1 section 7"""
    basket = BasketFactory()
    broken, _ = with_lines(basket)
    before = snapshot()

    response = processor.post(EDIT, {"line": broken.pk, **fields}, follow=True)

    assert response.status_code == 200
    assert messages_of(response) == [message]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_paid_active_basket_is_refused(processor):
    """SPEC: BM-1 — paid but not moved on yet: still not editable."""
    basket = BasketFactory()
    broken, _ = with_lines(basket)
    Basket.objects.filter(pk=basket.pk).update(paid_at=timezone.now())
    before = snapshot()

    response = processor.post(
        EDIT, {"line": broken.pk, "quantity": "1", "reason": "x"}, follow=True
    )

    assert messages_of(response) == ["Refused: Cannot edit the line: the basket is paid."]
    assert snapshot() == before


@pytest.mark.django_db
def test_the_basket_page_offers_each_line(processor):
    """SPEC: BM-1 — an Active basket's page has a form per line."""
    basket = BasketFactory()
    broken, book = with_lines(basket)
    page = processor.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert f'id="line-edit-{broken.pk}"' in page and f'id="line-edit-{book.pk}"' in page
