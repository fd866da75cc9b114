"""AB-6: abandonment rate, recovery rate and recovered revenue per day, with a chart in the
admin, and the most abandoned products with their names."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from abandonment.models import Abandonment
from abandonment.selectors import DayFigures, abandonment_daily
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import BasketFactory, ProductFactory

DAY_1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ANALYTICS = "/admin/abandonment/abandonment/analytics/"


def captured(basket, at: datetime, product_id="PRD-7") -> Abandonment:
    return Abandonment.objects.create(
        basket=basket,
        basket_guid=basket.guid,
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        total=basket.total,
        currency="EUR",
        lines=[{"product_id": product_id, "variant_id": "", "quantity": 1, "unit_price": "1.00"}],
    )


@pytest.fixture
def three_days():
    """Day 1: 4 baskets, 2 abandoned, 1 of them ordered (280.00, captured twice). Day 2: 2
    baskets, 1 abandoned. Day 3: nothing."""
    ProductFactory(id="PRD-7", name="Toaster")
    with time_machine.travel(DAY_1, tick=False):
        ordered = paid_basket(lines=2, course=True)  # 1 x 10 + 2 x 10 + 250
        left = BasketFactory(total="5.00")
        BasketFactory.create_batch(2)
    captured(ordered, DAY_1 + timedelta(hours=1))
    captured(ordered, DAY_1 + timedelta(hours=3))
    captured(left, DAY_1 + timedelta(hours=2), product_id="PRD-8")
    with time_machine.travel(DAY_1 + timedelta(days=1), tick=False):
        BasketFactory.create_batch(2)
        captured(BasketFactory(), DAY_1 + timedelta(days=1, hours=1))
    # The basket had been created on day 1, so day 2 counts 3 created baskets.
    completion_run(worker="test")


@pytest.mark.django_db
def test_daily_figures_for_a_range_include_both_ends_and_empty_days(three_days):
    """SPEC: AB-6 — per day: baskets, abandonments, recoveries, recovered revenue once."""
    days = abandonment_daily(date(2026, 3, 1), date(2026, 3, 3))

    assert days == [
        DayFigures(date(2026, 3, 1), 4, 3, 2, Decimal("280.00")),
        DayFigures(date(2026, 3, 2), 3, 1, 0, Decimal("0")),
        DayFigures(date(2026, 3, 3), 0, 0, 0, Decimal("0")),
    ]
    assert (days[0].abandonment_rate, days[0].recovery_rate) == (0.75, 2 / 3)
    assert (days[2].abandonment_rate, days[2].recovery_rate) == (0.0, 0.0)


@pytest.mark.django_db
def test_the_admin_draws_the_range_as_an_svg_chart_with_the_top_products(
    three_days, admin_client
):
    """SPEC: AB-6 — a server-rendered chart (no script), a table per day, product names."""
    response = admin_client.get(ANALYTICS, {"date_from": "03/01/2026", "date_to": "03/03/2026"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg id="analytics-chart"' in html and "<script" not in html.split("<svg")[1]
    assert html.count('<rect class="revenue"') == 3
    assert [day.recovered_revenue for day in response.context["days"]] == [
        Decimal("280.00"), 0, 0]
    assert '<tr data-day="2026-03-01"><td>03/01/2026</td><td>4</td><td>3</td><td>75%</td>' in html
    assert response.context["stats"]["top_products"] == [
        ("PRD-7", "Toaster", 3), ("PRD-8", "", 1)]
    assert "<td>Toaster</td>" in html


@pytest.mark.django_db
def test_iso_dates_the_grid_accepts_give_the_same_range(three_days, admin_client):
    """SPEC: AB-6 — YYYY-MM-DD (as the grid takes it) or MM/DD/YYYY: the same figures."""
    iso = admin_client.get(ANALYTICS, {"date_from": "2026-03-01", "date_to": "2026-03-03"})
    us = admin_client.get(ANALYTICS, {"date_from": "03/01/2026", "date_to": "03/03/2026"})

    assert iso.status_code == us.status_code == 200
    assert [day.day for day in iso.context["days"]] == [day.day for day in us.context["days"]]
    assert len(iso.context["days"]) == 3


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"date_from": "2026-13-01", "date_to": "03/03/2026"}, id="no-such-date"),
        pytest.param({"date_from": "03/05/2026", "date_to": "03/03/2026"}, id="from-after-to"),
        pytest.param({"date_from": "01/01/2020", "date_to": "03/03/2026"}, id="too-long"),
        pytest.param({"date_from": "03/01/2026"}, id="missing-to"),
    ],
)
@pytest.mark.django_db
def test_a_bad_range_is_a_clear_400_with_the_form(admin_client, query):
    """SPEC: AB-6, section 7 — never a 500."""
    response = admin_client.get(ANALYTICS, query)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert "days" not in response.context


@pytest.mark.django_db
def test_the_default_range_is_the_last_30_days(admin_client):
    """SPEC: AB-6"""
    response = admin_client.get(ANALYTICS)

    assert response.status_code == 200
    assert len(response.context["days"]) == 30
