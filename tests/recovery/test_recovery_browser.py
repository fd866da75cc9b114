"""A recovery link in a real browser: the shop's login, its hand-over, the basket (RL-3, SH-3)."""

import os
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings

from baskets.models import BasketEvent, Product
from tests.support.clients import api_client
from tests.support.factories import price_set
from tests.support.recovery import basket_with_line, login_shopper
from tests.support.shop import ShopPages, shop_running

# Playwright's sync API runs an event loop in this thread; the Django calls made here are
# ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_owner_logs_in_at_the_shop_is_handed_over_and_lands_on_the_repriced_basket(
    live_server, browser_page, settings
):
    """SPEC: RL-3 SH-3 RL-1 RL-2 — the GUID alone answers as unknown and offers the shop's
    login; after it the shop hands the shopper over and they land on the basket, with what
    changed. No Basket Ops password anywhere."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner, price="10.00", quantity=2)
    product = Product.objects.get(pk=basket.lines.get().product_id)
    price_set(product, "EUR", Decimal("12.00"))
    page = browser_page

    with shop_running() as shop:
        settings.SHOP_LOGIN_URL = f"{shop}/login/?next={{next}}"
        page.goto(f"{live_server.url}/basket/recover/{basket.guid}/")
        assert page.locator(".message").get_attribute("data-key") == "basket_NotAvailable"
        page.click("#shop-login")
        page.wait_for_selector("#shop")
        asked = ShopPages.requests[-1]

    # The shop logged its shopper in and hands them over to where they came from.
    next_path = parse_qs(urlsplit(asked).query)["next"][0]
    assert next_path == f"/basket/recover/{basket.guid}/"
    assert not BasketEvent.objects.filter(basket=basket, action="recover").exists()
    handover = api_client("storefront").post(
        "/api/shoppers/handover/",
        {"shop_account": str(owner.guid), "next": next_path},
        format="json",
    )
    path = handover.json()["url"].removeprefix(django_settings.SHOP_BASE_URL)
    page.goto(f"{live_server.url}{path}")
    page.click("#confirm-recovery button")
    page.wait_for_selector("#basket")

    assert page.url == f"{live_server.url}/basket/"
    assert page.locator("#basket").get_attribute("data-guid") == str(basket.guid)
    assert page.locator("#basket-lines tbody tr").count() == 1
    assert f"The price of {product.name} changed from 10.00 EUR to 12.00 EUR." in (
        page.locator("ul.messages").inner_text()
    )
    assert "Total: 24.00 EUR" in page.locator("#total").inner_text()
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.actor_label == "shopper:ada"
