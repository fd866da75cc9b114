"""Least privilege (SPEC AC-1, BM-4): shop-account personal data only for those who may see
it; a filter or search on it is refused with a message, never answered with everything."""

import csv
import io

import pytest

from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import BasketFactory, LineFactory

GRID = "/admin/baskets/basket/"


@pytest.fixture
def basket():
    basket = BasketFactory(
        customer=True,
        purchaser_label="Ada Lovelace",
        delivery_address={"street": "12 Secret Lane"},
        user_values={"name_on_badge": "Ada Lovelace"},
    )
    basket.shop_account.name, basket.shop_account.email = "Ada Lovelace", "ada@example.com"
    basket.shop_account.save()
    LineFactory(basket=basket, product_id="PRD-1")
    return basket


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"),
    [("System administrator", True), ("Order processor", False)],
    ids=["administrator", "processor"],
)
def test_grid_detail_and_export_show_personal_data_only_to_those_allowed(
    client, basket, role, shown
):
    """SPEC: AC-1 BM-4 BM-2 CB-1"""
    client.force_login(staff_user(role))
    grid = client.get(GRID).content.decode()
    detail = client.get(f"{GRID}{basket.pk}/change/").content.decode()
    export = b"".join(client.get(f"{GRID}export/").streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(export)))
    assert str(basket.guid) in grid and str(basket.guid) in detail and str(basket.guid) in export
    for page in (grid, detail, export):
        assert ("Ada Lovelace" in page) is shown
    assert ("ada@example.com" in export) is shown
    assert ("12 Secret Lane" in detail) is shown
    assert ("Shop account e-mail" in header) is shown


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"shop_account_email": "ada@example.com"},
        {"shop_account_name": "Ada"},
    ],
    ids=["e-mail-filter", "name-filter"],
)
def test_order_processor_may_not_search_or_filter_by_personal_data(client, basket, query):
    """SPEC: AC-1 BM-3 — a clear message and no rows, neither a match nor everything. (A
    whole e-mail or name in the search box finds a caller's basket: test_caller_lookups.)"""
    client.force_login(staff_user("Order processor"))
    response = client.get(GRID, query)
    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert any("shop-account" in message for message in messages), messages
    assert str(basket.guid) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "personal", "codes"),
    [
        ("storefront", True, True),
        ("status", False, False),
        ("System administrator", True, True),
        ("Order processor", False, True),
    ],
    ids=["storefront", "status-reader", "administrator", "processor"],
)
def test_api_fields_and_filters_follow_the_clients_rights(basket, who, personal, codes):
    """SPEC: AC-1 AC-2 — personal data, codes and recovery links only for those allowed; a
    filter on the shop account from anyone else is a 400, not an oracle."""
    api = api_client(who) if who in ("storefront", "status") else token_client(staff_user(who))
    body = api.get(f"/api/baskets/{basket.guid}/").json()
    assert ("purchaser_label" in body) is personal
    restricted = {"gift_card_codes", "coupon_codes", "recovery_url"}
    assert restricted & set(body) == (restricted if codes else set())
    listed = api.get("/api/baskets/", {"shop_account_email": "ada@example.com"})
    if personal:
        assert [row["guid"] for row in listed.json()["results"]] == [str(basket.guid)]
    else:
        assert listed.status_code == 400
        assert "shop_account_email" in listed.json()["errors"]


@pytest.mark.django_db
def test_order_processor_has_no_abandonments_reports_or_shop_accounts(client):
    """SPEC: AC-1 BM-4 AB-3 — these pages hold shop-account personal data."""
    client.force_login(staff_user("Order processor"))
    for page in (
        "/admin/abandonment/abandonment/",
        "/admin/abandonment/abandonreport/",
        "/admin/baskets/shopaccount/",
        "/admin/baskets/customeraccount/",
    ):
        assert client.get(page).status_code == 403, page
