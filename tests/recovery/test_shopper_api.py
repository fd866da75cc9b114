"""IN-5 / RL-1: the storefront reads which basket a shopper holds now (and their list), with
what recovery brought back, so that a recovered basket goes on to checkout in the shop."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from baskets.models import Stage
from recovery.links import visitor_reference
from recovery.models import ShopperBasket
from tests.support.factories import UserFactory
from tests.support.recovery import PASSWORD, basket_with_line, login_shopper, recover

CHECKOUT = "https://shop.example.com/checkout/?basket={guid}&visitor={visitor}"


def api_client(username: str, *, group: str = "", staff_view: bool = False) -> APIClient:
    user = UserFactory(username=username, is_staff=staff_view)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    if staff_view:
        user.user_permissions.add(Permission.objects.get(codename="view_basket"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def storefront():
    return api_client("storefront", group="Storefront")


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
    client.login(username="ada", password=PASSWORD)
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


CLIENTS = [
    pytest.param(None, 401, id="no-credentials"),
    pytest.param({"group": ""}, 403, id="shopper-without-group"),
    pytest.param({"group": "Status reader"}, 403, id="status-reader"),
    pytest.param({"group": "Payment provider"}, 403, id="payment-provider"),
    pytest.param({"group": "Storefront"}, 200, id="storefront"),
    pytest.param({"staff_view": True}, 200, id="staff-with-basket-view"),
]


@pytest.mark.parametrize(("who", "expected"), CLIENTS)
@pytest.mark.parametrize("endpoint", ["shoppers", "visitors"])
@pytest.mark.django_db
def test_only_the_storefront_client_reads_a_shoppers_baskets(client, who, expected, endpoint):
    """SPEC: IN-5 AC-2 — Storefront client (and staff who may view baskets) only."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    client.login(username="ada", password=PASSWORD)
    recover(client, basket)
    key = owner.guid if endpoint == "shoppers" else visitor_reference(owner.guid)
    caller = APIClient() if who is None else api_client("caller", **who)

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
