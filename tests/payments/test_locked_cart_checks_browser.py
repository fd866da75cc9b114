"""The provider's answer about a locked cart, in a real browser (SPEC SH-4, LC-3)."""

import os

import pytest
from playwright.sync_api import sync_playwright

from baskets.models import Basket, Status
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.factories import UserFactory
from tests.support.payments import intent, locked_cart
from tests.support.provider_fakes import STRIPE_API_KEY, stripe_fake

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery staple"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_see_the_providers_answer_on_the_list_and_the_basket_page(live_server, settings):
    """SPEC: SH-4 LC-3 — the button asks Stripe; the list shows status, amount, time and the
    dashboard link; the basket's page shows the check in its timeline; staff still decide."""
    UserFactory(username="alice", is_staff=True, is_superuser=True)
    with stripe_fake() as fake:
        settings.STRIPE_API_KEY = STRIPE_API_KEY
        settings.STRIPE_API_BASE = fake.base_url
        fake.state["intents"] = {"pi_fakeBROWSER": intent("pi_fakeBROWSER", "succeeded")}
        basket = locked_cart("pi_fakeBROWSER")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            admin_login(page, live_server.url, "alice", PASSWORD)
            page.goto(f"{live_server.url}/admin/payments/providercheck/")
            page.click("text=Check locked carts at the provider now")
            page.wait_for_selector("#result_list tbody tr")
            assert "The provider answered for 1 locked cart(s)." in page.inner_text(
                "ul.messagelist"
            )
            row = page.locator("#result_list tbody tr")
            assert row.count() == 1
            assert row.locator("td.field-status").inner_text() == "Captured (money received)"
            assert row.locator("td.field-amount").inner_text() == "49.000"
            assert row.locator("td.field-currency").inner_text() == "EUR"
            assert row.locator("td.field-provider_time").inner_text() != "-"
            link = row.locator("td.field-provider_link a")
            assert (
                link.get_attribute("href")
                == "https://dashboard.stripe.com/test/payments/pi_fakeBROWSER"
            )
            row.locator("td.field-basket_link a").click()
            page.wait_for_load_state()
            assert "Checked at the payment provider" in page.content()
            browser.close()
    assert Basket.objects.get(pk=basket.pk).status == Status.LOCKED
