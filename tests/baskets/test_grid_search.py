"""The grid's search box and creator filter (seed 001; SPEC §3, BM-3, AC-1): the short GUID
the grid shows finds its basket, so does any start of a GUID of 8 or more characters; the
creator (the shopper's login, or the salesperson's) by name, within AC-1's rule."""

import re
import uuid
from html import unescape

import pytest

from baskets.models import Basket, Salesperson
from baskets.search import guid_prefix_range
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, ShopAccountFactory

GRID = "/admin/baskets/basket/"
PROCESSOR, ADMINISTRATOR = "Order processor", "System administrator"


@pytest.fixture
def baskets() -> dict[str, Basket]:
    seller = ShopAccountFactory(name="Pat Seller", email="pat@example.com")
    salesperson = Salesperson.objects.create(shop_account=seller)
    sam = ShopAccountFactory(name="Sam Dubois", email="sam@example.com")
    return {
        "one": BasketFactory(guid=uuid.UUID("3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c")),
        "neighbour": BasketFactory(guid=uuid.UUID("3f2c8a4f-0000-4000-8000-000000000000")),
        "sam": BasketFactory(
            customer=True, shop_account=sam, customer_account=sam.customer_account
        ),
        "sold": BasketFactory(salesperson=salesperson, customer_account=sam.customer_account),
    }


def listed(client, baskets, query: dict) -> tuple[set[str], list[str]]:
    response = client.get(GRID, {"scope": "all", **query})
    assert response.status_code == 200
    pks = {basket.pk for basket in response.context["cl"].result_list}
    messages = [str(message) for message in response.context["messages"]]
    return {name for name, basket in baskets.items() if basket.pk in pks}, messages


@pytest.mark.django_db
@pytest.mark.parametrize("role", [PROCESSOR, ADMINISTRATOR])
def test_the_short_guid_the_grid_shows_finds_that_basket(client, baskets, role):
    """SPEC: §3 BM-3 — the 8 characters in the GUID column, typed into the search box."""
    client.force_login(staff_user(role))
    page = client.get(GRID, {"scope": "all"}).content.decode()
    full = str(baskets["one"].guid)
    shown = re.search(rf'<span class="grid-guid" title="{full}">([^<]*)</span>', page)
    short = unescape(shown.group(1)).rstrip("…")
    assert len(short) == 8

    assert listed(client, baskets, {"q": short}) == ({"one"}, [])
    assert listed(client, baskets, {"q": short.upper()}) == ({"one"}, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("3f2c8a4e-5b1d", {"one"}),
        ("3f2c8a4e5b1d4c3e", {"one"}),
        ("3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c", {"one"}),
        ("3f2c8a4", set()),  # 7 characters: too short to be a GUID's start
        ("3f2c8a4e-5b1e", set()),
    ],
)
def test_any_start_of_a_guid_of_8_or_more_characters_finds_it(client, baskets, term, expected):
    client.force_login(staff_user(PROCESSOR))

    assert listed(client, baskets, {"q": term}) == (expected, [])


def test_a_guid_start_is_a_range_of_the_indexed_column():
    low, high = guid_prefix_range("3F2C8A4E-5b")
    assert str(low) == "3f2c8a4e-5b00-0000-0000-000000000000"
    assert str(high) == "3f2c8a4e-5bff-ffff-ffff-ffffffffffff"
    assert guid_prefix_range("3f2c8a4") is None
    assert guid_prefix_range("Sam Dubois") is None
    assert guid_prefix_range("3f2c8a4e-") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "query", "expected"),
    [
        (ADMINISTRATOR, {"creator": "Seller"}, {"sold"}),
        (ADMINISTRATOR, {"creator": "dubois"}, {"sam"}),
        (ADMINISTRATOR, {"q": "Seller"}, {"sold"}),
        (PROCESSOR, {"creator": "Pat Seller"}, {"sold"}),
        (PROCESSOR, {"creator": "pat seller"}, {"sold"}),
        (PROCESSOR, {"creator": "Seller"}, set()),  # AC-1: a whole name only
        (PROCESSOR, {"q": "Pat Seller"}, {"sold"}),
        (PROCESSOR, {"q": "Seller"}, set()),
    ],
)
def test_the_creator_filter_finds_a_shoppers_and_a_salespersons_baskets(
    client, baskets, role, query, expected
):
    """SPEC: CB-1 AC-1 — the creator column's login, by name: a part of it for those who
    may see personal data, the whole name for Order processors."""
    client.force_login(staff_user(role))

    assert listed(client, baskets, query) == (expected, [])


@pytest.mark.django_db
def test_the_creator_filter_is_in_the_sidebar(client, baskets):
    client.force_login(staff_user(ADMINISTRATOR))
    page = client.get(GRID).content.decode()
    assert 'name="creator"' in page
    assert "Creator (name)" in page
