"""The shop's data in the admin (SPEC SH-1, SH-2): a shop account's baskets and customer
accounts, a product's prices per currency."""

from decimal import Decimal

import pytest

from baskets.admin.catalogue import PriceForm
from baskets.models import Salesperson, Status
from tests.support.clients import staff_user
from tests.support.factories import (
    CustomerAccountFactory,
    ProductFactory,
    ShopAccountFactory,
    basket_in_status,
)


@pytest.fixture
def administrator(client):
    client.force_login(staff_user("System administrator"))
    return client


@pytest.mark.django_db
def test_the_shop_account_page_lists_its_baskets_open_first_and_its_customer_accounts(
    administrator,
):
    """SPEC: SH-1 CB-2 — open baskets before completed ones; its customer accounts."""
    account = ShopAccountFactory(name="Ada")
    sold_for = CustomerAccountFactory(name="Contoso")
    seller = Salesperson.objects.create(shop_account=account, selected_customer=sold_for)
    seller.related_customers.add(sold_for)
    open_basket = basket_in_status(Status.ACTIVE, shop_account=account)
    completed = basket_in_status(Status.COMPLETED, shop_account=account)  # the newer one
    someone_elses = basket_in_status(Status.ACTIVE, shop_account=ShopAccountFactory())

    page = administrator.get(f"/admin/baskets/shopaccount/{account.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(str(open_basket.guid)) < html.index(str(completed.guid))
    assert str(someone_elses.guid) not in html
    assert f"{account.customer_account}</a> (its customer account)" in html
    assert "Contoso" in html and "sells for it, selected now" in html


@pytest.mark.django_db
def test_the_product_page_shows_its_prices_per_currency(administrator, settings):
    """SPEC: SH-2 — each currency's price with that currency's digits."""
    settings.SHOP_CURRENCIES = ["EUR", "JPY"]
    ProductFactory(id="KETTLE", price="10.00", prices={"JPY": "1500"})

    listing = administrator.get("/admin/baskets/product/").content.decode()
    page = administrator.get("/admin/baskets/product/KETTLE/change/").content.decode()

    assert "10.00 EUR, 1500 JPY" in listing
    assert "prices per currency" in page.lower()
    assert 'value="JPY"' in page and 'value="1500.00"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("currency", "amount", "error"),
    [("XXX", "1.00", "not one of the shop's currencies"), ("JPY", "1.50", "more decimals")],
    ids=["not-a-shop-currency", "yen-with-decimals"],
)
def test_the_admin_refuses_a_price_outside_the_shops_currencies(settings, currency, amount, error):
    """SPEC: SH-2 — the admin's price form."""
    settings.SHOP_CURRENCIES = ["EUR", "JPY"]
    form = PriceForm(data={"currency": currency, "amount": Decimal(amount)})

    assert not form.is_valid()
    assert error in " ".join(message for messages in form.errors.values() for message in messages)
