"""The shop hands its logged-in shopper over to the shopper pages (SH-3, RL-3, RL-5)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from baskets.models import AccountType, Salesperson
from recovery.models import ShopperBasket, ShopperHandover
from tests.support.clients import api_client
from tests.support.factories import CustomerAccountFactory
from tests.support.recovery import basket_with_line, login_shopper, recover, salesperson_make

HANDOVER = "/api/shoppers/handover/"


def handover_path(body: dict) -> str:
    response = api_client("storefront").post(HANDOVER, body, format="json")
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert url.startswith(f"{settings.SHOP_BASE_URL}/basket/handover/")
    return url.removeprefix(settings.SHOP_BASE_URL)


@pytest.mark.django_db
def test_the_hand_over_url_signs_the_login_in_once(client):
    """SPEC: SH-3 RL-3 — the URL signs the shop's login in and lands on the basket it came
    for; a second use answers 404 like any unknown link, and changes nothing."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    assert recover(client, basket).status_code == 404
    path = handover_path(
        {"shop_account": str(owner.guid), "next": f"/basket/recover/{basket.guid}/"}
    )

    first = client.get(path)
    again = Client().get(path)

    assert first.status_code == 302 and first["Location"] == f"/basket/recover/{basket.guid}/"
    assert recover(client, basket)["Location"] == "/basket/"
    assert ShopperBasket.objects.get().shop_account_id == owner.pk
    assert again.status_code == 404
    assert again.context["key"] == "basket_HandoverInvalid"
    assert 'id="shop-login"' in again.content.decode()
    assert ShopperHandover.objects.get().used_at is not None


@pytest.mark.django_db
def test_a_hand_over_older_than_60_seconds_is_refused(client):
    """SPEC: SH-3 — 60 s: at 59 s it works, at 61 s it answers 404 and signs no one in."""
    owner = login_shopper("ada")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        late = handover_path({"shop_account": str(owner.guid)})
        in_time = handover_path({"shop_account": str(owner.guid)})
        clock.shift(timedelta(seconds=59))
        assert Client().get(in_time)["Location"] == "/basket/"
        clock.shift(timedelta(seconds=2))
        refused = client.get(late)
    assert refused.status_code == 404
    assert "recovery_shop_account" not in client.session


@pytest.mark.django_db
def test_a_salesperson_recovers_a_basket_of_the_selected_customers_login(client):
    """SPEC: SH-3 RL-5 — the shop reports the selected customer with the hand-over; the
    salesperson then recovers that customer's login's basket, which stays the login's."""
    customer, other = CustomerAccountFactory(), CustomerAccountFactory()
    owner = login_shopper("ada", customer_account=customer)
    basket = basket_with_line(customer=True, shop_account=owner)
    seller = salesperson_make("sam", related=[customer, other], selected=other)

    path = handover_path(
        {"salesperson": str(seller.shop_account.guid), "selected_customer": customer.erp_account_id}
    )
    client.get(path)

    assert Salesperson.objects.get(pk=seller.pk).selected_customer_id == customer.pk
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert basket.shop_account_id == owner.pk
    assert f'data-guid="{basket.guid}"' in client.get("/basket/").content.decode()


@pytest.mark.django_db
def test_a_customer_account_recovers_a_basket_made_for_it(client):
    """SPEC: SH-3 RL-5 RL-3 — a basket made for the customer with no login: the customer the
    shop signed in recovers it, and it stays without a login; its logins' baskets stay
    theirs."""
    customer = CustomerAccountFactory()
    seller = salesperson_make("sam", related=[customer], selected=customer)
    basket = basket_with_line(
        salesperson=seller, customer_account=customer, account_type=AccountType.CUSTOMER
    )
    assert recover(client, basket).status_code == 404

    logins_basket = basket_with_line(
        customer=True, shop_account=login_shopper("ada", customer_account=customer)
    )

    client.get(handover_path({"customer_account": customer.erp_account_id}))

    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert (basket.shop_account_id, basket.customer_account_id) == (None, customer.pk)
    # A login's basket stays that login's alone (RL-3), even for its own customer.
    assert recover(client, logins_basket).status_code == 404


def _unknown_account(world):
    return {"shop_account": "00000000-0000-4000-8000-000000000000"}, 404


BAD_REQUESTS = {
    "nobody": lambda world: ({}, 400),
    "two-shoppers": lambda world: (
        {"shop_account": str(world["owner"].guid), "customer_account": "X"},
        400,
    ),
    "unknown-login": _unknown_account,
    "unknown-customer": lambda world: ({"customer_account": "NOPE"}, 404),
    "not-a-salesperson": lambda world: ({"salesperson": str(world["owner"].guid)}, 404),
    "unrelated-customer": lambda world: (
        {
            "salesperson": str(world["seller"].shop_account.guid),
            "selected_customer": world["owner"].customer_account.erp_account_id,
        },
        400,
    ),
    "selected-customer-without-salesperson": lambda world: (
        {"shop_account": str(world["owner"].guid), "selected_customer": None},
        400,
    ),
    "next-elsewhere": lambda world: (
        {"shop_account": str(world["owner"].guid), "next": "https://evil.example/basket/"},
        400,
    ),
    "next-admin": lambda world: (
        {"shop_account": str(world["owner"].guid), "next": "/admin/"},
        400,
    ),
    "guid-not-a-guid": lambda world: ({"shop_account": "x"}, 400),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD_REQUESTS, ids=list(BAD_REQUESTS))
def test_bad_hand_over_requests_get_a_clear_4xx_and_change_nothing(case):
    """SPEC: SH-3 API-2 — a JSON detail; no hand-over made, no selection changed."""
    world = {"owner": login_shopper("ada"), "seller": salesperson_make("sam")}
    body, status = BAD_REQUESTS[case](world)

    response = api_client("storefront").post(HANDOVER, body, format="json")

    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert not ShopperHandover.objects.exists()
    assert Salesperson.objects.get().selected_customer_id is None
