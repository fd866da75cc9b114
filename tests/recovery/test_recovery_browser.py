"""A recovery link in a real browser: log in as the owner, land on the basket."""

import os
from decimal import Decimal

import pytest

from baskets.models import BasketEvent, Product
from tests.support.recovery import PASSWORD, basket_with_line, login_shopper

# Playwright's sync API runs an event loop in this thread; the Django calls made here are
# ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_owner_logs_in_from_the_link_and_lands_on_the_repriced_basket(
    live_server, browser_page
):
    """SPEC: RL-3 RL-1 RL-2 — the login page, then the basket page with what changed."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner, price="10.00", quantity=2)
    product = Product.objects.get(pk=basket.lines.get().product_id)
    product.price = Decimal("12.00")
    product.save()
    page = browser_page

    page.goto(f"{live_server.url}/basket/recover/{basket.guid}/")

    assert page.url == (
        f"{live_server.url}/accounts/login/?next=%2Fbasket%2Frecover%2F{basket.guid}%2F"
    )
    assert "belongs to a login" in page.locator("ul.messages").inner_text()
    assert not BasketEvent.objects.filter(basket=basket, action="recover").exists()

    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
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
