"""The checkout funnel (seed 000): baskets made to stop at each checkout point give exactly
those counts, anonymous ones included; each "stopped here" link opens the grid on exactly
those baskets; a product narrows both; bad input is a clear 400."""

from datetime import date, datetime, timedelta
from html import unescape

import pytest
from django.utils import timezone

from baskets.filters import FUNNEL_ORDER
from baskets.models import Basket, Stage, Status
from baskets.selectors import basket_funnel
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, LineFactory, basket_in_status

FUNNEL = "/admin/baskets/basket/funnel/"
DAY = date(2026, 3, 10)
AT = timezone.make_aware(datetime(2026, 3, 10, 12, 0))
# How many baskets stop at each point.
STOPPED = {
    "basket": 3,
    "login_register": 2,
    "additional_information": 1,
    "manage_booking": 1,
    "payment": 2,
    "paid": 1,
    "completed": 1,
}


@pytest.fixture
def processor(client):
    client.force_login(staff_user("Order processor", "olga"))
    return client


def made(point: str, index: int) -> Basket:
    if point == "completed":
        basket = basket_in_status(Status.COMPLETED, stage=Stage.CONFIRMATION, created_at=AT)
    elif point == "paid":
        basket = basket_in_status(Status.AWAITING_COMPLETION, stage=Stage.PAYMENT, created_at=AT)
    elif point == "payment" and index == 1:
        # Locked while the payment is checked: still stopped at payment.
        basket = basket_in_status(Status.LOCKED, stage=Stage.PAYMENT, created_at=AT)
    else:
        # Anonymous baskets (no purchaser) are counted like any other.
        basket = BasketFactory(stage=point, created_at=AT)
    LineFactory(basket=basket, product_id="CRS-1" if index == 0 else "BOOK")
    return basket


@pytest.fixture
def stopped() -> dict[str, set[int]]:
    baskets = {
        point: {made(point, index).pk for index in range(count)} for point, count in STOPPED.items()
    }
    BasketFactory(created_at=AT - timedelta(days=1))  # before the range
    BasketFactory(created_at=AT + timedelta(days=1))  # after it
    return baskets


@pytest.mark.django_db
def test_the_funnel_counts_exactly_the_baskets_that_stopped_at_each_point(stopped):
    """SPEC: AB-6 (seed 000) — reached = stopped here or further; drop-off = stopped/reached."""
    rows = basket_funnel(date_from=DAY, date_to=DAY)

    assert [row.point for row in rows] == list(FUNNEL_ORDER)
    assert {row.point: row.stopped for row in rows} == STOPPED
    assert [row.reached for row in rows] == [11, 8, 6, 5, 4, 2, 1]
    assert rows[0].drop_off == 3 / 11 and rows[-1].drop_off is None


@pytest.mark.django_db
def test_a_product_narrows_the_funnel(stopped):
    """SPEC: AB-6 — only baskets with a line of the product (one per point here)."""
    rows = basket_funnel(date_from=DAY, date_to=DAY, product="CRS-1")
    assert [row.stopped for row in rows] == [1] * 7


@pytest.mark.parametrize("product", ["", "CRS-1"], ids=["all", "one-product"])
@pytest.mark.django_db
def test_each_click_through_opens_the_grid_on_exactly_those_baskets(processor, stopped, product):
    """SPEC: AB-6 BM-3 — the page (chart and table, linked from the admin home) links each
    "stopped here" count to the grid filtered to exactly those baskets."""
    assert 'id="funnel-link"' in processor.get("/admin/").content.decode()
    query = {"date_from": "2026-03-10", "date_to": "03/10/2026", "product": product}
    page = processor.get(FUNNEL, query)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg id="funnel-chart"' in html and "<script" not in html.split("<svg")[1]
    assert html.count('<rect class="reached"') == 7

    for item in page.context["rows"]:
        point = item["row"].point
        expected = {
            pk
            for pk in stopped[point]
            if not product or Basket.objects.get(pk=pk).lines.filter(product_id=product).exists()
        }
        assert f'href="{item["grid_url"]}"'.replace("&", "&amp;") in html
        grid = processor.get(unescape(item["grid_url"]))
        assert grid.status_code == 200
        assert {basket.pk for basket in grid.context["cl"].result_list} == expected, point
        assert item["row"].stopped == len(expected)


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-13-01", "date_to": "2026-03-10"},
        {"date_from": "2026-03-11", "date_to": "2026-03-10"},
        {"date_from": "2020-01-01", "date_to": "2026-03-10"},
    ],
    ids=["no-such-date", "from-after-to", "too-long"],
)
@pytest.mark.django_db
def test_a_bad_range_is_a_clear_400(processor, query):
    """SPEC: AB-6 section 7"""
    response = processor.get(FUNNEL, query)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.django_db
def test_the_grid_filters_by_product_last_activity_and_abandoned(processor):
    """SPEC: BM-3 (seed 000) — the shared filter set: grid, export and API agree."""
    kept = BasketFactory(last_activity_at=AT, abandoned_at=AT)
    LineFactory(basket=kept, product_id="CRS-1")
    other = BasketFactory(last_activity_at=AT - timedelta(days=5))
    LineFactory(basket=other, product_id="BOOK")

    def shown(**params) -> set[int]:
        response = processor.get("/admin/baskets/basket/", {"scope": "all", **params})
        return {basket.pk for basket in response.context["cl"].result_list}

    assert shown(product="CRS-1") == {kept.pk}
    assert shown(last_activity_after="2026-03-10") == {kept.pk}
    assert shown(last_activity_before="03/06/2026") == {other.pk}
    assert shown(abandoned="true") == {kept.pk}
    assert shown(abandoned="false") == {other.pk}
