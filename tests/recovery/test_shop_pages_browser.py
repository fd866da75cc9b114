"""The shopper pages in a real browser (PV-5, SH-3): a mailed link with no password, every
page in four languages at desktop and phone widths, axe-core clean."""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from constance import config
from django.conf import settings as django_settings
from playwright.sync_api import sync_playwright

from baskets.models import BasketEvent
from recovery.links import recovery_link_url
from recovery.unsubscribe import unsubscribe_url
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.factories import ShopAccountFactory
from tests.support.recovery import basket_with_line
from tests.support.shop import ShopPages, shop_running

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

UNKNOWN = "f45c73dd-3003-460c-8ba8-54876d9c02f8"
WIDTHS = {"desktop": 1440, "phone": 390}
LANGUAGES = ("en", "da", "nl", "de")
# What the basket page's checkout button says, per language: no page falls back to English.
CHECKOUT = {
    "en": "Continue to checkout",
    "da": "Gå til kassen",
    "nl": "Verder naar afrekenen",
    "de": "Weiter zur Kasse",
}


def path_of(url: str) -> str:
    return url.removeprefix(django_settings.SHOP_BASE_URL)


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_login_shopper_with_no_password_opens_the_reminder_link_and_goes_to_checkout(
    live_server, chromium, settings
):
    """SPEC: SH-3 RL-3 PV-5 RL-1 — a shop login with no Basket Ops user at all opens the
    link mailed to it, presses the button, lands on its basket and goes on to the shop
    (no SHOP_CHECKOUT_URL: the shop URL with the GUID)."""
    owner = ShopAccountFactory(user=None)
    basket = basket_with_line(customer=True, shop_account=owner)
    settings.SHOP_CHECKOUT_URL = ""
    page = chromium.new_page()

    with shop_running() as shop:
        config.SHOP_URL = f"{shop}/"
        page.goto(f"{live_server.url}{path_of(recovery_link_url(basket, owner))}")
        page.click("#confirm-recovery button")
        page.wait_for_selector("#basket")
        landed = page.url
        guid_shown = page.locator("#basket").get_attribute("data-guid")
        page.click("#continue-to-checkout")
        page.wait_for_selector("#shop")

    assert landed == f"{live_server.url}/basket/"
    assert guid_shown == str(basket.guid)
    assert ShopPages.requests == [f"/?basket={basket.guid}"]
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.actor_label == f"shopper:{owner.guid}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shopper_page_speaks_the_language_and_is_axe_clean(
    live_server, chromium, language, width
):
    """SPEC: PV-5 AC-6 — the confirmation, the basket page, the unknown-GUID answer, a used
    hand-over, the unsubscribe page and a malformed link, in the browser's language
    (Accept-Language from the browser's locale), at 1440 and 390 px: the page's lang is
    that language and axe-core finds nothing serious or critical."""
    config.SHOP_NAME = "Nordic Tea"
    config.SHOP_CONTACT_EMAIL = "help@tea.example"
    config.SHOP_CONTACT_PHONE = "+45 12 34 56 78"
    basket = basket_with_line(email="guest@example.com")
    context = chromium.new_context(
        locale=language, viewport={"width": WIDTHS[width], "height": 900}
    )
    page = context.new_page()
    pages = {
        "confirmation": path_of(recovery_link_url(basket, "guest@example.com")),
        "unknown": f"/basket/recover/{UNKNOWN}/",
        "handover-used": "/basket/handover/not-a-token/",
        "unsubscribe": path_of(unsubscribe_url(email="guest@example.com")),
        "malformed": "/basket/recover/not-a-guid/",
    }
    found = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language, name
        assert page.locator("#back-to-shop").count() == 1, name
        found[name] = serious_violations(page)
    page.goto(f"{live_server.url}{pages['confirmation']}")
    page.click("#confirm-recovery button")
    page.wait_for_selector("#basket")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#continue-to-checkout").inner_text() == CHECKOUT[language]
    found["basket"] = serious_violations(page)
    context.close()

    assert found == {name: [] for name in found}
