"""IN-5 / RL-1: the storefront reads which basket a shopper holds now (and their list), with
what recovery brought back, so that a recovered basket goes on to checkout in the shop."""

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient

from baskets.models import Stage
from recovery.links import visitor_reference
from recovery.models import ShopperBasket
from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import UserFactory
from tests.support.recovery import basket_with_line, login_shopper, recover

CHECKOUT = "https://shop.example.com/checkout/?basket={guid}&visitor={visitor}"


@pytest.fixture
def storefront():
    return api_client("storefront")


def visitor_from_checkout_link(page) -> str:
    """The visitor reference the basket page hands to the shop's checkout."""
    link = page.context["checkout_url"]
    return parse_qs(urlsplit(link).query)["visitor"][0]


@pytest.mark.django_db
def test_a_visitors_recovered_basket_is_the_current_one_with_what_came_back(
    client, storefront, settings
):
    """SPEC: IN-5 RL-1 RL-6 — through the reference the checkout link carries, the storefront
    reads the recovered basket as current, with user values, addresses and order comment
    fields; the previous one stays in the list, inactive, with multiple baskets."""
    settings.SHOP_CHECKOUT_URL = CHECKOUT
    settings.MULTIPLE_BASKETS = True
    earlier = basket_with_line()
    basket = basket_with_line(stage=Stage.ADDITIONAL_INFORMATION)
    basket.user_values = {"engraving": "For Ada"}
    basket.payment_address = {"street": "Main Street 1"}
    basket.email = "ada@example.com"
    basket.save()
    recover(client, earlier)
    recover(client, basket)
    page = client.get("/basket/")
    reference = visitor_from_checkout_link(page)

    response = storefront.get(f"/api/visitors/{reference}/baskets/")

    assert response.status_code == 200
    body = response.json()
    assert body["current"]["guid"] == str(basket.guid)
    assert body["current"]["user_values"] == {"engraving": "For Ada"}
    assert body["current"]["payment_address"] == {"street": "Main Street 1"}
    assert body["current"]["order_comment"] == ""
    assert body["current"]["email"] == "ada@example.com"
    assert [(entry["basket"]["guid"], entry["current"]) for entry in body["baskets"]] == [
        (str(basket.guid), True),
        (str(earlier.guid), False),
    ]
    assert page.context["checkout_url"].startswith(
        f"https://shop.example.com/checkout/?basket={basket.guid}&visitor="
    )


@pytest.mark.django_db
def test_a_logins_recovered_basket_is_its_current_one(client, storefront):
    """SPEC: IN-5 RL-4 RL-6 — an anonymous basket recovered by a login becomes that login's
    current basket; without multiple baskets it replaces the previous one in the list."""
    owner = login_shopper("ada")
    previous = basket_with_line(customer=True, shop_account=owner)
    ShopperBasket.objects.create(
        shop_account=owner, basket=previous, added_at=previous.created_at,
        activated_at=previous.created_at,
    )
    basket = basket_with_line()
    client.force_login(owner.user)
    recover(client, basket)

    response = storefront.get(f"/api/shoppers/{owner.guid}/baskets/")

    assert response.status_code == 200
    assert response.json()["current"]["guid"] == str(basket.guid)
    assert [entry["basket"]["guid"] for entry in response.json()["baskets"]] == [str(basket.guid)]


@pytest.mark.django_db
def test_withheld_addresses_are_hidden_from_the_storefront_but_stay_stored(client, storefront):
    """SPEC: RL-1 — addresses typed before the address step was passed come back only when
    the shopper passes it again."""
    basket = basket_with_line(stage=Stage.LOGIN_REGISTER)
    basket.payment_address = {"street": "Main Street 1"}
    basket.save()
    recover(client, basket)
    reference = visitor_reference(ShopperBasket.objects.get().visitor_token)

    hidden = storefront.get(f"/api/visitors/{reference}/baskets/").json()["current"]
    moved = storefront.post(f"/api/baskets/{basket.guid}/stage/",
                            {"stage": "additional_information"}, format="json")

    assert hidden["payment_address"] == {}
    assert moved.status_code == 200, moved.json()
    assert moved.json()["payment_address"] == {"street": "Main Street 1"}
    shown = storefront.get(f"/api/visitors/{reference}/baskets/").json()["current"]
    assert shown["payment_address"] == {"street": "Main Street 1"}


CALLERS = {
    "no-credentials": lambda: APIClient(),
    "shopper": lambda: token_client(UserFactory(username="caller")),
    "status-reader": lambda: api_client("status"),
    "payment-provider": lambda: api_client("payments"),
    "storefront": lambda: api_client("storefront"),
    "system-administrator": lambda: token_client(staff_user("System administrator")),
    "order-processor": lambda: token_client(staff_user("Order processor")),
}
CLIENTS = [
    pytest.param("no-credentials", 401, id="no-credentials"),
    pytest.param("shopper", 403, id="shopper-without-group"),
    pytest.param("status-reader", 403, id="status-reader"),
    pytest.param("payment-provider", 403, id="payment-provider"),
    pytest.param("storefront", 200, id="storefront"),
    pytest.param("system-administrator", 200, id="staff-system-administrator"),
    # AC-1: the answer holds the shopper's e-mail and addresses; Order processors may view
    # baskets but never see personal data.
    pytest.param("order-processor", 403, id="staff-order-processor"),
]


@pytest.mark.parametrize(("who", "expected"), CLIENTS)
@pytest.mark.parametrize("endpoint", ["shoppers", "visitors"])
@pytest.mark.django_db
def test_only_the_storefront_client_reads_a_shoppers_baskets(client, who, expected, endpoint):
    """SPEC: IN-5 AC-1 AC-2 — Storefront client (and staff who may see personal data) only."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    client.force_login(owner.user)
    recover(client, basket)
    key = owner.guid if endpoint == "shoppers" else visitor_reference(owner.guid)
    caller = CALLERS[who]()

    response = caller.get(f"/api/{endpoint}/{key}/baskets/")

    assert response.status_code == expected
    assert ("current" in response.json()) is (expected == 200)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/api/shoppers/not-a-guid/baskets/", 400, id="malformed-guid"),
        pytest.param("/api/shoppers/9d3c1f0e-0000-4000-8000-000000000000/baskets/", 404,
                     id="unknown-shop-account"),
        pytest.param("/api/visitors/9d3c1f0e-0000-4000-8000-000000000000/baskets/", 404,
                     id="unsigned-visitor-token"),
        pytest.param("/api/visitors/9d3c1f0e-0000-4000-8000-000000000000:forged/baskets/", 404,
                     id="forged-visitor-reference"),
    ],
)
@pytest.mark.django_db
def test_bad_shopper_references_get_a_clear_4xx(storefront, path, expected):
    """SPEC: IN-5, section 7 — never a 500, always a JSON detail."""
    response = storefront.get(path)

    assert response.status_code == expected
    assert response.json()["detail"]
