"""RL-1 / IN-5 in a real browser: a recovered basket continues to checkout in the shop."""

import os

import pytest
from django.conf import settings as django_settings

from recovery.links import recovery_link_url
from tests.support.clients import api_client
from tests.support.recovery import basket_with_line, login_shopper
from tests.support.shop import ShopPages, shop_running

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def shop():
    with shop_running() as url:
        yield url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_recovered_basket_is_current_for_the_storefront_and_continues_to_the_shop_checkout(
    live_server, browser_page, shop, settings
):
    """SPEC: RL-1 IN-5 SH-3 — the owner recovers the basket from the mailed link, the
    storefront reads it as the login's current basket, and "Continue to checkout" reaches
    the shop's checkout URL with the basket's GUID."""
    settings.SHOP_CHECKOUT_URL = f"{shop}/checkout/?basket={{guid}}"
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    storefront = api_client("storefront")
    link = recovery_link_url(basket, owner).removeprefix(django_settings.SHOP_BASE_URL)
    page = browser_page
    page.goto(f"{live_server.url}{link}")
    page.click("#confirm-recovery button")
    page.wait_for_selector("#basket")

    current = storefront.get(f"/api/shoppers/{owner.guid}/baskets/").json()["current"]
    page.click("#continue-to-checkout")
    page.wait_for_selector("#shop")

    assert current["guid"] == str(basket.guid)
    assert page.url == f"{shop}/checkout/?basket={basket.guid}"
    assert ShopPages.requests == [f"/checkout/?basket={basket.guid}"]
