"""Shoppers, salespersons and catalogue for the recovery tests."""

from decimal import Decimal

from baskets.models import Salesperson
from tests.support.factories import (
    BasketFactory,
    LineFactory,
    ProductFactory,
    ShopAccountFactory,
    UserFactory,
)

PASSWORD = "correct horse battery staple"


def login_shopper(username: str, **account):
    """A Django user with a shop account (a storefront login)."""
    user = UserFactory(username=username)
    return ShopAccountFactory(user=user, name=username.title(), **account)


def salesperson_make(username: str, *, related=(), selected=None) -> Salesperson:
    account = login_shopper(username)
    salesperson = Salesperson.objects.create(shop_account=account, selected_customer=selected)
    salesperson.related_customers.set(related)
    return salesperson


def basket_with_line(*, price="10.00", quantity=2, **kwargs):
    """An Active basket with one line of an available product at today's price."""
    basket = BasketFactory(**kwargs)
    product = ProductFactory(price=Decimal(price))
    LineFactory(
        basket=basket, product_id=product.id, quantity=quantity, unit_price=Decimal(price)
    )
    basket.total = Decimal(price) * quantity
    basket.save(update_fields=["total"])
    return basket


def recover(client, basket_or_guid, *, confirm: bool = True):
    """Open the recovery link; when it asks to confirm (AC-6), press the button (unless
    ``confirm`` is off), as a shopper would."""
    guid = getattr(basket_or_guid, "guid", basket_or_guid)
    url = f"/basket/recover/{guid}/"
    response = client.get(url)
    if confirm and response.status_code == 200 and b'id="confirm-recovery"' in response.content:
        response = client.post(url)
    return response
