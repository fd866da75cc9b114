"""The Storefront client's sync API (SPEC SH-1): every kind created, repeated, updated,
ignored when older, deactivated; one bad item never fails the rest."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from baskets.models import (
    Basket,
    Coupon,
    CustomerAccount,
    GiftCard,
    GiftCardReservation,
    Line,
    Price,
    Product,
    Salesperson,
    ShopAccount,
    Variant,
)
from shopdata.services.sync import KINDS, sync_decide
from tests.support.clients import api_client
from tests.support.factories import BasketFactory

SELLER = "3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c"
LOGIN = "6a1e2f3a-0d1e-4c3e-9a7f-5b1d3f2c8a4e"
T1, T2, T0 = "2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z", "2026-02-01T10:00:00Z"

# kind: (shop's id, the record, a changed field, what must exist first)
CASES = {
    "products": (
        "PRD-9",
        {"name": "Kettle", "prices": {"EUR": "10.00", "JPY": "1500"}},
        {"prices": {"EUR": "12.50", "JPY": "1800"}},
        (),
    ),
    "variants": (
        "PRD-9-L",
        {"product_id": "PRD-9", "name": "Large", "prices": {"EUR": "11.00"}},
        {"name": "Extra large"},
        ("products",),
    ),
    "customer-accounts": (
        "C0000009",
        {"name": "Northwind", "email": "ap@northwind.example"},
        {"is_prospect": True},
        (),
    ),
    "shop-accounts": (
        LOGIN,
        {"name": "Ada", "email": "ada@example.com", "customer_account": "C0000009"},
        {"email": "ada@northwind.example"},
        ("customer-accounts",),
    ),
    "salespersons": (
        SELLER,
        {"related_customers": ["C0000009"], "selected_customer": "C0000009"},
        {"selected_customer": None},
        ("customer-accounts", "seller-login"),
    ),
    "coupons": ("TEN", {"percent_off": "10.00"}, {"percent_off": "15.00"}, ()),
    "gift-cards": (
        "GIFT-1",
        {"balance": "50.00", "currency": "EUR"},
        {"balance": "40.00"},
        (),
    ),
}
MODELS = {
    "products": Product,
    "variants": Variant,
    "customer-accounts": CustomerAccount,
    "shop-accounts": ShopAccount,
    "salespersons": Salesperson,
    "coupons": Coupon,
    "gift-cards": GiftCard,
}


@pytest.fixture
def storefront(settings):
    settings.SHOP_CURRENCIES = ["EUR", "JPY"]
    return api_client("storefront", "storefront")


def prerequisites(api, kind: str) -> None:
    for needed in CASES[kind][3]:
        if needed == "seller-login":
            put(api, "shop-accounts", SELLER, {"name": "Seller", "email": "s@example.com"})
            continue
        shop_id, record, _change, _needs = CASES[needed]
        prerequisites(api, needed)
        put(api, needed, shop_id, record)


def put(api, kind: str, shop_id: str, record: dict):
    return api.put(f"/api/{kind}/{shop_id}/", record, format="json")


def rows(kind: str) -> list:
    return list(MODELS[kind].objects.order_by("pk").values())


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_is_created_repeated_updated_and_older_updates_are_ignored(storefront, kind):
    """SPEC: SH-1 — created, the same again unchanged, updated, an older update ignored."""
    shop_id, record, change, _needs = CASES[kind]
    prerequisites(storefront, kind)

    created = put(storefront, kind, shop_id, {**record, "updated_at": T1})
    assert (created.status_code, created.json()["result"]) == (201, "created"), created.content
    stored = rows(kind)

    again = put(storefront, kind, shop_id, {**record, "updated_at": T1})
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")
    assert rows(kind) == stored

    updated = put(storefront, kind, shop_id, {**record, **change, "updated_at": T2})
    assert (updated.status_code, updated.json()["result"]) == (200, "updated")
    read = storefront.get(f"/api/{kind}/{shop_id}/").json()
    assert {name: read[name] for name in change} == change
    assert read["updated_at"] == T2
    after_update = rows(kind)

    older = put(storefront, kind, shop_id, {**record, "updated_at": T0})
    assert older.json() | {"detail": ""} == {
        "id": shop_id,
        "result": "unchanged",
        "reason": "older_than_stored",
        "detail": "",
    }
    assert rows(kind) == after_update

    listed = storefront.get(f"/api/{kind}/").json()["items"]
    assert [item["id"] for item in listed] == [shop_id]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_deactivates_with_active_false(storefront, kind):
    """SPEC: SH-1 — a removal is "active": false; the row stays, inactive."""
    shop_id, record, _change, _needs = CASES[kind]
    prerequisites(storefront, kind)
    put(storefront, kind, shop_id, record)

    answer = put(storefront, kind, shop_id, {**record, "active": False})

    assert answer.json()["result"] == "updated"
    assert storefront.get(f"/api/{kind}/{shop_id}/").json()["active"] is False
    assert len(rows(kind)) == 1


@pytest.mark.django_db
def test_a_deactivated_product_stays_in_existing_baskets_and_refuses_new_lines(storefront):
    """SPEC: SH-1 — the existing basket keeps its line and history; a new line is refused."""
    put(storefront, "products", "PRD-9", {"name": "Kettle", "prices": {"EUR": "10.00"}})
    basket = storefront.post("/api/baskets/", {}, format="json").json()
    storefront.post(
        f"/api/baskets/{basket['guid']}/lines/",
        {"product_id": "PRD-9", "quantity": 2},
        format="json",
    )
    other = storefront.post("/api/baskets/", {}, format="json").json()

    put(
        storefront,
        "products",
        "PRD-9",
        {"name": "Kettle", "active": False, "prices": {"EUR": "10.00"}},
    )

    kept = storefront.get(f"/api/baskets/{basket['guid']}/").json()
    assert [(line["product_id"], line["quantity"]) for line in kept["lines"]] == [("PRD-9", 2)]
    assert kept["total"] == "20.00"
    refused = storefront.post(
        f"/api/baskets/{other['guid']}/lines/",
        {"product_id": "PRD-9", "quantity": 1},
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "product_unavailable")
    assert not Line.objects.filter(basket__guid=other["guid"]).exists()


@pytest.mark.django_db
def test_a_deactivated_shop_account_starts_no_new_basket_and_keeps_its_old_ones(storefront):
    """SPEC: SH-1 — shop_account_inactive; its existing basket is still read."""
    put(storefront, "shop-accounts", LOGIN, {"name": "Ada", "email": "ada@example.com"})
    basket = storefront.post("/api/baskets/", {"shop_account": LOGIN}, format="json").json()

    put(
        storefront,
        "shop-accounts",
        LOGIN,
        {"name": "Ada", "email": "ada@example.com", "active": False},
    )

    refused = storefront.post("/api/baskets/", {"shop_account": LOGIN}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "shop_account_inactive")
    assert storefront.get(f"/api/baskets/{basket['guid']}/").status_code == 200
    assert Basket.objects.count() == 1


@pytest.mark.django_db
def test_a_thousand_items_with_three_bad_ones_answer_997_done_and_3_refused(storefront):
    """SPEC: SH-1 — each item answers on its own; one bad item never fails the rest."""
    items = [
        {"id": f"PRD-{n:05d}", "name": f"Item {n}", "prices": {"EUR": "1.00", "JPY": "100"}}
        for n in range(1000)
    ]
    items[10] = {"id": "PRD-00010", "name": "No yen decimals", "prices": {"JPY": "1.5"}}
    items[500] = {"id": "PRD-00500", "name": "Dollar", "prices": {"USD": "1.00"}}
    items[999] = {"id": "PRD-00999", "prices": {"EUR": "1.00"}}  # no name

    answer = storefront.post("/api/products/", {"items": items}, format="json")

    assert answer.status_code == 200
    results = answer.json()["items"]
    assert [item["id"] for item in results] == [item["id"] for item in items]
    refused = {item["id"]: item["reason"] for item in results if item["result"] == "refused"}
    assert refused == {
        "PRD-00010": "invalid_price",
        "PRD-00500": "unsupported_currency",
        "PRD-00999": "invalid_name",
    }
    assert sum(item["result"] == "created" for item in results) == 997
    assert Product.objects.count() == 997
    assert Price.objects.count() == 997 * 2
    assert not Product.objects.filter(pk__in=list(refused)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"items": []}, "invalid_items"),
        ({"items": [{}] * 1001}, "invalid_items"),
        ({"things": []}, "invalid_items"),
    ],
    ids=["empty", "over-1000", "no-items"],
)
def test_a_batch_outside_1_to_1000_items_is_refused_whole(storefront, body, code):
    """SPEC: SH-1 — 400 and nothing written."""
    answer = storefront.post("/api/products/", body, format="json")

    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert Product.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "shop_id", "record", "reason"),
    [
        ("variants", "V-1", {"product_id": "NOPE", "name": "x"}, "unknown_product"),
        (
            "shop-accounts",
            LOGIN,
            {"name": "x", "email": "x@example.com", "customer_account": "NOPE"},
            "unknown_customer_account",
        ),
        ("salespersons", SELLER, {}, "unknown_shop_account"),
        ("shop-accounts", "not-a-guid", {"name": "x", "email": "x@example.com"}, "invalid_id"),
        ("products", "P-1", {"name": "x", "colour": "red"}, "unknown_field"),
        ("gift-cards", "G-1", {"balance": "5.00", "currency": "XXX"}, "unsupported_currency"),
        ("coupons", "C-1", {"percent_off": "150"}, "invalid_percent_off"),
    ],
    ids=[
        "variant-unknown-product",
        "login-unknown-customer",
        "seller-without-login",
        "bad-guid",
        "unknown-field",
        "card-in-xxx",
        "coupon-over-100",
    ],
)
def test_refusals_name_their_reason_and_change_nothing(storefront, kind, shop_id, record, reason):
    """SPEC: SH-1 — 400 with the reason; nothing written."""
    before = rows(kind)

    answer = put(storefront, kind, shop_id, record)

    assert answer.status_code == 400
    assert (answer.json()["result"], answer.json()["code"]) == ("refused", reason)
    assert rows(kind) == before


@pytest.mark.django_db
def test_a_variant_without_its_own_price_sells_at_its_products_and_prices_are_replaced(
    storefront,
):
    """SPEC: SH-1 SH-2 — a sync's prices are the item's whole price list."""
    put(
        storefront,
        "products",
        "PRD-9",
        {"name": "Kettle", "prices": {"EUR": "10.00", "JPY": "1500"}},
    )
    put(storefront, "products", "PRD-9", {"name": "Kettle", "prices": {"EUR": "9.00"}})

    assert dict(Price.objects.values_list("currency", "amount")) == {"EUR": Decimal("9.00")}
    assert storefront.get("/api/products/PRD-9/").json()["prices"] == {"EUR": "9.00"}


@pytest.mark.parametrize(
    ("stored", "stored_at", "incoming", "incoming_at", "expected"),
    [
        (None, None, {"a": 1}, None, ("created", "")),
        ({"a": 1}, None, {"a": 1}, None, ("unchanged", "")),
        ({"a": 1}, None, {"a": 2}, None, ("updated", "")),
        ({"a": 1}, 2, {"a": 2}, 1, ("unchanged", "older_than_stored")),
        ({"a": 1}, 2, {"a": 2}, 2, ("updated", "")),
        ({"a": 1}, 2, {"a": 2}, None, ("updated", "")),
        ({"a": 1}, None, {"a": 2}, 1, ("updated", "")),
    ],
    ids=["new", "same", "changed", "older", "same-time", "no-time-given", "first-time"],
)
def test_sync_decide(stored, stored_at, incoming, incoming_at, expected):
    """SPEC: SH-1 — the one rule, as a table."""
    decision = sync_decide(
        stored=stored,
        stored_updated_at=stored_at,
        incoming=incoming,
        incoming_updated_at=incoming_at,
    )
    assert (decision.result, decision.reason) == expected


def test_every_kind_of_the_issue_has_routes():
    """SPEC: SH-1 — the seven kinds."""
    assert sorted(KINDS) == sorted(CASES)


@pytest.mark.django_db
def test_a_new_id_in_a_put_is_the_shops_identifier(storefront):
    """SPEC: SH-1 — the shop's GUID becomes the shop account's."""
    guid = uuid.uuid4()
    put(storefront, "shop-accounts", str(guid), {"name": "Bo", "email": "bo@example.com"})
    assert ShopAccount.objects.get().guid == guid


@pytest.mark.django_db
def test_a_gift_cards_balance_never_goes_below_what_baskets_in_payment_hold(storefront):
    """SPEC: SH-1 SH-5 — refused with balance_below_reserved; the card unchanged."""
    put(storefront, "gift-cards", "GIFT-1", {"balance": "50.00", "currency": "EUR"})
    GiftCardReservation.objects.create(
        card_id="GIFT-1",
        basket=BasketFactory(),
        amount=Decimal("30.00"),
        reserved_at=timezone.now(),
    )

    refused = put(storefront, "gift-cards", "GIFT-1", {"balance": "20.00", "currency": "EUR"})
    allowed = put(storefront, "gift-cards", "GIFT-1", {"balance": "30.00", "currency": "EUR"})

    assert (refused.status_code, refused.json()["code"]) == (400, "balance_below_reserved")
    assert allowed.json()["result"] == "updated"
    assert GiftCard.objects.get().balance == Decimal("30.00")
