"""CB-1's booking columns on a basket made by a storefront and completed by the engine: booking
ID (the order's number), billing object, purchaser and booked user IDs, in the grid, the
export and the API."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.models import Basket, ItemKind, Line, Order, PurchaserType, Salesperson
from baskets.roles import roles_ensure
from completion.services import completion_run
from tests.support.clients import api_client
from tests.support.factories import (
    CustomerAccountFactory,
    ProductFactory,
    ShopAccountFactory,
    UserFactory,
)

GRID = "/admin/baskets/basket/"


@pytest.fixture
def payment_provider():
    return api_client("payments", "payment-provider")


@pytest.fixture
def administrator(client):
    user = UserFactory(username="administrator", is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name="System administrator"))
    client.force_login(user)
    return client


def storefront_checkout(api, payment_provider, owner: dict) -> str:
    """Create, fill (a course seat nobody was named for, a product) and pay, over HTTP: the
    storefront drives the basket, the payment provider reports the result."""
    guid = api.post("/api/baskets/", owner, format="json").json()["guid"]
    for product in ("COURSE", "SHIRT"):
        added = api.post(
            f"/api/baskets/{guid}/lines/", {"product_id": product, "quantity": 1}, format="json"
        )
        assert added.status_code == 200, added.json()
    for stage in ("login_register", "additional_information", "manage_booking", "payment"):
        moved = api.post(f"/api/baskets/{guid}/stage/", {"stage": stage}, format="json")
        assert moved.status_code == 200, moved.json()
    paid = payment_provider.post(
        f"/api/baskets/{guid}/payment/",
        {
            "result": "paid",
            "provider_reference": "PSP-7",
            "masked_card_number": "411111******1111",
            # The basket's total (the course and the shirt), which the provider took.
            "amount": "120.00",
            "currency": "EUR",
        },
        format="json",
    )
    assert paid.status_code == 200, paid.json()
    return guid


@pytest.mark.django_db
def test_storefront_basket_completed_by_the_engine_has_its_booking_columns(
    api, payment_provider, administrator
):
    """SPEC: CB-1 CB-3 BM-2 API-1 — booking ID = the order's number, billing object = the
    company, purchaser type "account" for a company login, the seat booked for the login."""
    ProductFactory(id="COURSE", name="Excel", kind=ItemKind.COURSE, price=Decimal("100"))
    ProductFactory(id="SHIRT", name="Shirt", price=Decimal("20"))
    company = CustomerAccountFactory(name="Northwind", erp_account_id="C0000042")
    login = ShopAccountFactory(name="Ola Nordmann", customer_account=company)

    guid = storefront_checkout(api, payment_provider, {"shop_account": str(login.guid)})
    assert completion_run(worker="test").completed == 1

    basket = Basket.objects.get(guid=guid)
    order = Order.objects.get(basket=basket)
    seats = list(Line.objects.filter(basket=basket).values_list("kind", "booked_user_id"))
    assert (basket.status, basket.booking_id) == ("completed", order.number)
    assert basket.billing_object == "Northwind / C0000042"
    assert (basket.purchaser_label, basket.purchaser_type, basket.purchaser_id) == (
        "Ola Nordmann",
        PurchaserType.ACCOUNT,
        "C0000042",
    )
    assert basket.booked_user_id == str(login.guid)
    assert sorted(seats) == [(ItemKind.COURSE, str(login.guid)), (ItemKind.PRODUCT, "")]
    assert list(order.lines.values_list("booked_user_id", flat=True).order_by("id")) == [
        str(login.guid),
        "",
    ]

    grid = administrator.get(GRID, {"scope": "history"}).content.decode()
    for value in (order.number, "Northwind / C0000042", str(login.guid), "C0000042"):
        assert value in grid, value
    detail = api.get(f"/api/baskets/{guid}/").json()
    assert {key: detail[key] for key in ("booking_id", "billing_object", "booked_user_id")} == {
        "booking_id": order.number,
        "billing_object": "Northwind / C0000042",
        "booked_user_id": str(login.guid),
    }
    assert [row["booking_id"] for row in api.get("/api/baskets/").json()["results"]] == [
        order.number
    ]
    export = administrator.get(f"{GRID}export/", {"scope": "history"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [(row[6], row[7]) for row in rows[1:]] == [(guid, "COURSE"), (guid, "SHIRT")]


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        (
            "company_login",
            ("Ola", PurchaserType.ACCOUNT, "C0000001", "Acme AS / C0000001", "Ola"),
        ),
        (
            "individual_login",
            ("Kari", PurchaserType.USER, "login", "Private K / C0000002", "Kari"),
        ),
        (
            "salesperson_own",
            ("Seller", PurchaserType.USER, "seller", "Seller", "Seller"),
        ),
    ],
    ids=["company-login-is-account", "individual-login-is-user", "salesperson-own-basket"],
)
@pytest.mark.django_db
def test_purchaser_and_creator_of_a_storefront_basket(api, administrator, owner, expected):
    """SPEC: CB-1 CB-7 — purchaser label / type / ID, billing object and the grid's creator,
    for a company's login, an individual's login and a salesperson's own basket."""
    company = CustomerAccountFactory(name="Acme AS", erp_account_id="C0000001")
    individual = CustomerAccountFactory(
        name="Private K", erp_account_id="C0000002", purchaser_type=PurchaserType.USER
    )
    logins = {
        "company_login": ShopAccountFactory(name="Ola", customer_account=company),
        "individual_login": ShopAccountFactory(name="Kari", customer_account=individual),
    }
    seller = Salesperson.objects.create(
        shop_account=ShopAccountFactory(name="Seller", customer_account=None)
    )
    body = (
        {"salesperson": str(seller.shop_account.guid)}
        if owner == "salesperson_own"
        else {"shop_account": str(logins[owner].guid)}
    )
    ids = {"login": str(logins["individual_login"].guid), "seller": str(seller.shop_account.guid)}

    guid = api.post("/api/baskets/", body, format="json").json()["guid"]

    basket = Basket.objects.get(guid=guid)
    label, purchaser_type, purchaser_id, billing_object, creator = expected
    assert (
        basket.purchaser_label,
        basket.purchaser_type,
        basket.purchaser_id,
        basket.billing_object,
    ) == (label, purchaser_type, ids.get(purchaser_id, purchaser_id), billing_object)
    grid = administrator.get(GRID, {"guid": guid})
    [row] = grid.context["cl"].result_list
    assert grid.context["cl"].model_admin.creator(row) == creator
