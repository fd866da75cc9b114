"""Locked carts in a real browser (SPEC LC-2, LC-3, LC-4): widget, filter, detail, decide."""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from baskets.models import Basket, BasketEvent, Status
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.factories import LineFactory, UserFactory, basket_in_status

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery staple"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_confirm_a_locked_cart_from_the_dashboard(live_server):
    """SPEC: LC-2 LC-3 LC-4 — widget -> filtered grid (masked card number and payment
    reference columns) -> detail -> Confirm order + reason -> back on the filtered list."""
    UserFactory(username="alice", is_staff=True, is_superuser=True)
    # The grid lists the newest first: the older cart is the next one after this one.
    older = basket_in_status(Status.LOCKED, total="12.00")
    basket = basket_in_status(Status.LOCKED, total="59.00")
    LineFactory(basket=basket)
    Basket.objects.filter(pk=basket.pk).update(
        masked_card_number="************4242", payment_reference="PP-555"
    )
    basket_in_status(Status.ACTIVE)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        admin_login(page, live_server.url, "alice", PASSWORD)
        assert page.inner_text("#locked-cart-count") == "2"

        page.click("#locked-carts-widget a")
        page.wait_for_selector("#result_list tbody tr")
        assert page.locator("#result_list tbody tr").count() == 2
        assert page.inner_text("#result_list td.field-masked_card_number") == "************4242"
        assert page.inner_text("#result_list td.field-payment_reference") == "PP-555"
        page.click(f'#result_list tbody tr a:has(span[title="{basket.guid}"])')
        page.wait_for_selector("#locked-cart-panel")
        assert page.inner_text("#locked-total") == "59.00 EUR"
        assert page.inner_text("#locked-card") == "************4242"
        assert page.inner_text("#locked-reference") == "PP-555"
        # One Delete on the page, styled like the other decisions.
        assert page.locator("input[value=Delete], a:text-is('Delete')").count() == 1
        assert page.get_attribute("#locked-cart-next", "href").startswith(
            f"/admin/baskets/basket/{older.pk}/change/?_changelist_filters="
        )

        page.click("#locked-cart-confirm_locked_carts")
        page.wait_for_selector("#id_reason")
        page.fill("#id_reason", "PP-555 received at PayPal")
        page.click('input[value="Yes, I\'m sure"]')
        assert "Confirmed as paid: 1 basket(s)." in page.inner_text("ul.messagelist")
        # Back on the filtered list it came from, the decided cart gone from it.
        landed = urlsplit(page.url)
        assert (landed.path, landed.query) == ("/admin/baskets/basket/", "cart=locked")
        assert page.locator("#result_list tbody tr").count() == 1
        assert page.inner_text("#result_list tbody tr td.field-total").startswith("12.00")
        browser.close()

    assert Basket.objects.get(pk=basket.pk).status == Status.AWAITING_COMPLETION
    event = BasketEvent.objects.get(basket=basket, action="confirm")
    assert (event.actor_label, event.reason) == ("staff:alice", "PP-555 received at PayPal")
