"""RL-8: the recovery link (BasketUrl) and GUID (BasketGUID) for e-mails and the API (the
unsubscribe link of reminder e-mails is ``recovery.unsubscribe``).

Every absolute link starts with ``SHOP_BASE_URL``, so the API, the e-mails and anything
else that hands a link to a shopper give the same one.
"""

import uuid
from urllib.parse import quote

from django.conf import settings
from django.core import signing

from baskets.links import basket_url
from baskets.models import Basket, Order

VISITOR_SALT = "recovery.visitor"


def basket_runtime_values(basket: Basket) -> dict[str, str]:
    """The "Basket" runtime values for templates: ``{{ Basket.BasketUrl }}`` and
    ``{{ Basket.BasketGUID }}``."""
    return {"BasketGUID": str(basket.guid), "BasketUrl": basket_url(basket.guid)}


def order_runtime_values(order: Order) -> dict[str, str]:
    """The "Data_Order" runtime values: ``{{ Data_Order.BasketGUID }}`` only (an ordered
    basket cannot be recovered, so it has no BasketUrl)."""
    guid = Basket.objects.filter(pk=order.basket_id).values_list("guid", flat=True).get()
    return {"BasketGUID": str(guid)}


def visitor_reference(visitor_token: uuid.UUID) -> str:
    """IN-5: the anonymous visitor's session token as the storefront may hold it: signed, so
    a storefront can only ask about visitors Basket Ops sent it, never guess one."""
    return signing.Signer(salt=VISITOR_SALT).sign(str(visitor_token))


def visitor_reference_read(reference: str) -> uuid.UUID | None:
    """The visitor token in a reference we signed, or None."""
    try:
        return uuid.UUID(signing.Signer(salt=VISITOR_SALT).unsign(reference))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def checkout_url(guid: uuid.UUID | str, *, visitor_token: uuid.UUID | None = None) -> str:
    """RL-1 / IN-5: the shop's checkout for the basket, from ``SHOP_CHECKOUT_URL``:
    ``{guid}`` becomes the basket GUID, ``{visitor}`` the signed visitor reference."""
    visitor = visitor_reference(visitor_token) if visitor_token is not None else ""
    return (
        settings.SHOP_CHECKOUT_URL.replace("{guid}", quote(str(guid)))
        .replace("{visitor}", quote(visitor))
    )
