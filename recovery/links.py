"""RL-8: the recovery link (BasketUrl) and GUID (BasketGUID) for e-mails and the API, and
the signed unsubscribe link of reminder e-mails (AB-4).

Every absolute link starts with ``SHOP_BASE_URL``, so the API, the e-mails and anything
else that hands a link to a shopper give the same one.
"""

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

from baskets.links import basket_url
from baskets.models import Basket, Order

UNSUBSCRIBE_SALT = "recovery.reminders.unsubscribe"
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


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Who an unsubscribe link names: a login (shop account GUID) or a guest's address."""

    shop_account_guid: uuid.UUID | None = None
    email: str = ""


def unsubscribe_token(shop_account_guid: uuid.UUID | str | None = None, *, email: str = "") -> str:
    """A token naming the shop account (or, for a guest, the e-mail address), signed with
    SECRET_KEY (it cannot be forged).

    No timestamp: the link in an old reminder keeps working, and it is the same in every
    reminder to the account."""
    data = {"account": str(shop_account_guid)} if shop_account_guid else {"email": email.lower()}
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(data)


def unsubscribe_token_read(token: str) -> UnsubscribeTarget | None:
    """Whom a token names, or None if the token was not made by us."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
        if "account" in data:
            return UnsubscribeTarget(shop_account_guid=uuid.UUID(str(data["account"])))
        email = str(data["email"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, UnicodeDecodeError):
        return None
    return UnsubscribeTarget(email=email) if "@" in email else None


def unsubscribe_url(shop_account_guid: uuid.UUID | str | None = None, *, email: str = "") -> str:
    token = unsubscribe_token(shop_account_guid, email=email)
    path = reverse("recovery:unsubscribe", kwargs={"token": token})
    return f"{settings.SHOP_BASE_URL}{path}"
