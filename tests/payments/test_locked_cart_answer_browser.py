"""The provider's answer on the locked-cart list and page, in a real browser (SPEC SH-4, LC-3,
seed 003): staff read what the provider said (status, amount, currency, time, a link to the
payment there) beside each cart before they decide, the list still within 1440 px."""

import os

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from baskets.models import Basket
from baskets.roles import ORDER_PROCESSOR, roles_ensure
from baskets.services.transitions import basket_lock, basket_unlock
from payments.services import locked_cart_check
from tests.support.browser import admin_login
from tests.support.factories import SYSTEM, UserFactory
from tests.support.payments import intent, locked_cart
from tests.support.provider_fakes import STRIPE_API_KEY, stripe_fake

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery staple"
LINK = "https://dashboard.stripe.com/test/payments/pi_fakeANSWER1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_providers_answer_is_on_the_locked_cart_list_and_page(
    live_server, browser_page, settings
):
    """SPEC: SH-4 LC-3 — an Order processor reads the answer of the Stripe check in the list's
    column and on the cart's page, with the link to the payment at Stripe; a cart locked again
    under another payment shows no answer about the old one."""
    roles_ensure(Group, Permission)
    user = UserFactory(username="olga", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=ORDER_PROCESSOR))
    with stripe_fake() as fake:
        settings.STRIPE_API_KEY = STRIPE_API_KEY
        settings.STRIPE_API_BASE = fake.base_url
        fake.state["intents"] = {
            "pi_fakeANSWER1": intent("pi_fakeANSWER1", "succeeded"),
            "pi_fakeOLD": intent("pi_fakeOLD", "canceled"),
        }
        checked = locked_cart_check(basket_id=locked_cart("pi_fakeANSWER1").pk)
        # Checked under an earlier payment, locked again under another: no answer yet.
        relocked = locked_cart("pi_fakeOLD")
        locked_cart_check(basket_id=relocked.pk)
    basket_unlock(basket_id=relocked.pk, actor=SYSTEM, reason="shopper paid again")
    Basket.objects.filter(pk=relocked.pk).update(payment_reference="pi_fakeNEW")
    basket_lock(basket_id=relocked.pk, actor=SYSTEM, reason="Payment pending")
    assert checked is not None and checked.status == "captured"
    at = timezone.localtime(checked.provider_time)
    expected = f"Captured (succeeded), 49.00 EUR, {at:%Y-%m-%d %H:%M}"

    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    admin_login(page, live_server.url, "olga", PASSWORD)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_server.url}/admin/baskets/basket/?cart=locked")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    answers = {
        rows.nth(index).locator("td.field-payment_reference").inner_text(): rows.nth(index).locator(
            "td.field-provider_answer"
        )
        for index in range(2)
    }
    cell = answers["pi_fakeANSWER1"]
    assert cell.locator(".provider-answer").get_attribute("title") == expected
    assert cell.locator("a").get_attribute("href") == LINK
    assert answers["pi_fakeNEW"].inner_text().strip() in ("", "-")
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= 1440

    page.goto(f"{live_server.url}/admin/baskets/basket/{checked.basket_id}/change/")
    answer = page.locator("#locked-cart-panel #locked-provider-answer")
    assert answer.inner_text() == f"{expected} at the provider"
    assert answer.locator("a").get_attribute("href") == LINK
    page.goto(f"{live_server.url}/admin/baskets/basket/{relocked.pk}/change/")
    assert page.inner_text("#locked-provider-answer") == "(not checked at the provider yet)"
