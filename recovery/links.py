"""RL-8, SH-3: the recovery link (BasketUrl) and GUID (BasketGUID) for e-mails and the API
(the unsubscribe link of reminder e-mails is ``recovery.unsubscribe``).

Every absolute link starts with ``SHOP_BASE_URL``, so the API, the e-mails and anything
else that hands a link to a shopper give the same one.

SH-3: a link the product *mails* is ``recovery_link_url(basket, recipient)``: the basket's
link with a signed token bound to that basket, that recipient (a login, or a guest's
address) and the time it was made; it opens for ``RECOVERY_LINK_MAX_AGE`` (live). The GUID
alone stays an identifier (RL-8), never a key to a login's basket.
"""

import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from basketops.business import business_setting
from baskets.links import basket_url
from baskets.models import Basket, Order, Salesperson, ShopAccount

VISITOR_SALT = "recovery.visitor"
LINK_SALT = "recovery.link"
# The query parameter carrying a mailed link's token.
LINK_TOKEN_PARAMETER = "t"


def basket_runtime_values(
    basket: Basket, recipient: ShopAccount | str | None = None
) -> dict[str, str]:
    """The "Basket" runtime values for templates: ``{{ Basket.BasketUrl }}`` and
    ``{{ Basket.BasketGUID }}``; with a ``recipient`` (a mail's), BasketUrl is their signed
    link (SH-3)."""
    url = recovery_link_url(basket, recipient) if recipient is not None else basket_url(basket.guid)
    return {"BasketGUID": str(basket.guid), "BasketUrl": url}


def _email_digest(email: str) -> str:
    """A keyed digest of an address: the token binds it without showing it."""
    return salted_hmac(LINK_SALT, email.strip().lower()).hexdigest()[:32]


def recovery_link_token(basket: Basket, recipient: ShopAccount | str) -> str:
    """SH-3: the signed token binding ``basket`` to ``recipient`` (a login, or a guest's
    e-mail address), stamped with the time it was made."""
    payload = {"b": str(basket.guid)}
    if isinstance(recipient, ShopAccount):
        payload["a"] = str(recipient.guid)
    else:
        payload["e"] = _email_digest(recipient)
    return signing.TimestampSigner(salt=LINK_SALT).sign_object(payload, compress=True)


def recovery_link_url(basket: Basket, recipient: ShopAccount | str) -> str:
    """SH-3: the absolute recovery link mailed to ``recipient`` (a login, or a guest's
    e-mail address): every link the product mails is made here."""
    token = recovery_link_token(basket, recipient)
    return f"{basket_url(basket.guid)}?{urlencode({LINK_TOKEN_PARAMETER: token})}"


@dataclass(frozen=True)
class LinkRecipient:
    """Whom a valid mailed link was made for: a login, or a guest's address (its digest)."""

    shop_account: ShopAccount | None = None
    salesperson: Salesperson | None = None
    email_digest: str = ""

    def is_address_of(self, basket: Basket) -> bool:
        """The guest's address the link was mailed to is the basket's."""
        return bool(basket.email) and constant_time_compare(
            _email_digest(basket.email), self.email_digest
        )


def recovery_link_recipient(token: str, guid: uuid.UUID) -> LinkRecipient | None:
    """The recipient of a mailed link's token for the basket ``guid``; None when the token
    is tampered with, expired, made for another basket or for a login that is gone."""
    max_age = business_setting("RECOVERY_LINK_MAX_AGE")
    try:
        payload = signing.TimestampSigner(salt=LINK_SALT).unsign_object(
            token, max_age=max_age
        )
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(payload, dict) or payload.get("b") != str(guid):
        return None
    if "a" in payload:
        try:
            account_guid = uuid.UUID(str(payload["a"]))
        except ValueError:
            return None
        account = (
            ShopAccount.objects.select_related("customer_account")
            .filter(guid=account_guid)
            .first()
        )
        if account is None:
            return None
        salesperson = Salesperson.objects.filter(shop_account=account).first()
        return LinkRecipient(shop_account=account, salesperson=salesperson)
    if isinstance(payload.get("e"), str):
        return LinkRecipient(email_digest=payload["e"])
    return None


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
    ``{guid}`` becomes the basket GUID, ``{visitor}`` the signed visitor reference. Unset:
    the shop's URL (``SHOP_URL``, live) with ``basket=<guid>``, never a path of ours."""
    visitor = visitor_reference(visitor_token) if visitor_token is not None else ""
    template = settings.SHOP_CHECKOUT_URL
    if not template:
        shop_url = business_setting("SHOP_URL")
        template = shop_url + ("&" if "?" in shop_url else "?") + "basket={guid}"
    return template.replace("{guid}", quote(str(guid))).replace("{visitor}", quote(visitor))


def recover_path(guid: uuid.UUID | str) -> str:
    """The path of a basket's recovery route (SPEC section 8), e.g. ``/basket/recover/<guid>/``."""
    return reverse("recovery:recover", kwargs={"guid": str(guid)})


def shop_login_url(guid: uuid.UUID | str | None = None) -> str:
    """SH-3 RL-3: the shop's login, with the basket's link path (or the basket page) as
    ``{next}``: after the shopper logged in there, the shop hands them over to it."""
    path = recover_path(guid) if guid is not None else reverse("recovery:basket")
    return settings.SHOP_LOGIN_URL.replace("{next}", quote(path, safe=""))
