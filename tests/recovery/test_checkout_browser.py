"""RL-1 / IN-5 in a real browser: a recovered basket continues to checkout in the shop."""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.clients import api_client
from tests.support.recovery import PASSWORD, basket_with_line, login_shopper

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class ShopCheckout(BaseHTTPRequestHandler):
    """A stand-in for the shop's checkout page: remembers what it was asked for."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server hook's name
        if self.path != "/favicon.ico":
            type(self).requests.append(self.path)
        body = b"<!doctype html><title>Shop checkout</title><h1 id='shop'>Checkout</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop():
    ShopCheckout.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopCheckout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_recovered_basket_is_current_for_the_storefront_and_continues_to_the_shop_checkout(
    live_server, browser_page, shop, settings
):
    """SPEC: RL-1 IN-5 RL-3 — the owner recovers the basket from the link, the storefront
    reads it as the login's current basket, and "Continue to checkout" reaches the shop's
    checkout URL with the basket's GUID."""
    settings.SHOP_CHECKOUT_URL = f"{shop}/checkout/?basket={{guid}}"
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)
    storefront = api_client("storefront")
    page = browser_page
    page.goto(f"{live_server.url}/basket/recover/{basket.guid}/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#basket")

    current = storefront.get(f"/api/shoppers/{owner.guid}/baskets/").json()["current"]
    page.click("#continue-to-checkout")
    page.wait_for_selector("#shop")

    assert current["guid"] == str(basket.guid)
    assert page.url == f"{shop}/checkout/?basket={basket.guid}"
    assert ShopCheckout.requests == [f"/checkout/?basket={basket.guid}"]
