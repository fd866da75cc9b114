"""Accounts receivable by age (seed 004, SPEC AB-5): open orders in 0-7, 8-30 and 31+ whole
days since the charge failed, totals per bucket and currency, linked from the admin home."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from baskets.models import Order
from baskets.models.orders import order_number
from completion.selectors import receivables_ageing
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory

NOW = timezone.now().replace(microsecond=0)
SECOND = timedelta(seconds=1)


def order(age: timedelta, total: str, currency: str = "EUR", **fields) -> Order:
    basket = BasketFactory(currency=currency)
    return Order.objects.create(
        basket=basket,
        number=order_number(basket.pk),
        total=Decimal(total),
        currency=currency,
        accounts_receivable_at=NOW - age,
        accounts_receivable_note="Card declined.",
        **fields,
    )


@pytest.fixture
def edges() -> dict[str, Order]:
    return {
        "just-now": order(timedelta(0), "10.00"),
        "dollars": order(timedelta(days=3), "7.00", currency="USD"),
        "last-second-of-7": order(timedelta(days=8) - SECOND, "20.00"),
        "first-second-of-8": order(timedelta(days=8), "30.00"),
        "last-second-of-30": order(timedelta(days=31) - SECOND, "40.00"),
        "first-second-of-31": order(timedelta(days=31), "50.00"),
        "a-year": order(timedelta(days=400), "60.00"),
    }


@pytest.mark.django_db
def test_orders_at_the_edges_fall_in_the_right_buckets_with_totals_per_currency(edges):
    """SPEC: AB-5 — 8 whole days is 8-30, 31 whole days is 31+; settled orders and orders
    never in accounts receivable are left out; totals per currency."""
    order(
        timedelta(days=2),
        "999.00",
        accounts_receivable_settled_at=NOW,
        accounts_receivable_outcome="payment_received",
    )
    Order.objects.create(basket=BasketFactory(), number="SO-PAID", total=5, currency="EUR")

    ageing = receivables_ageing(now=NOW)

    buckets = {o.number: o.bucket for o in ageing.orders}
    assert buckets == {
        edges["just-now"].number: "0-7",
        edges["dollars"].number: "0-7",
        edges["last-second-of-7"].number: "0-7",
        edges["first-second-of-8"].number: "8-30",
        edges["last-second-of-30"].number: "8-30",
        edges["first-second-of-31"].number: "31+",
        edges["a-year"].number: "31+",
    }
    assert [o.number for o in ageing.orders][0] == edges["a-year"].number  # oldest first
    assert ageing.count == 7
    assert ageing.totals == {
        "0-7": [("EUR", 2, Decimal("30.00")), ("USD", 1, Decimal("7.00"))],
        "8-30": [("EUR", 2, Decimal("70.00"))],
        "31+": [("EUR", 2, Decimal("110.00"))],
    }


@pytest.mark.parametrize("role", ["Order processor", "System administrator"])
@pytest.mark.django_db
def test_the_page_is_linked_from_the_admin_home_and_lists_the_buckets(client, edges, role):
    """SPEC: AB-5 AC-1 — both staff roles see it (orders are the Order processor's)."""
    client.force_login(staff_user(role))
    home = client.get("/admin/").content.decode()
    assert 'href="/admin/baskets/order/receivables/" id="receivables-link"' in home

    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/baskets/order/receivables/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "7 orders waiting for payment" in html
    assert (
        '<tr data-bucket="8-30" data-currency="EUR">'
        "<td>8-30</td><td>EUR</td><td>2</td><td>70.00</td></tr>" in html
    )
    assert f'<tr data-order="{edges["first-second-of-31"].number}" data-bucket="31+">' in html
