"""Who is recovering: a login (shop account, maybe a salesperson), a customer account the
shop signed in, or an anonymous visitor.

SH-3: shoppers have no Basket Ops password. A login is known from a mailed link's token or
the shop's hand-over (``recovery.handover``), which sign it in to this session
(``shopper_sign_in``); a Django login of a shop account's user counts too.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import HttpRequest

from baskets.models import CustomerAccount, Salesperson, ShopAccount
from baskets.services.actors import Actor

# The session key holding an anonymous visitor's token. ``login()`` keeps session data
# when it changes the session key, so the visitor's baskets survive logging in.
SESSION_KEY = "recovery_visitor"
# SH-3: the login (shop account id) or customer account id a link or the shop's hand-over
# signed in to this session.
ACCOUNT_SESSION_KEY = "recovery_shop_account"
CUSTOMER_SESSION_KEY = "recovery_customer_account"


@dataclass(frozen=True)
class Shopper:
    """A login (``shop_account`` set) or an anonymous visitor (``visitor_token`` set)."""

    user: AbstractBaseUser | AnonymousUser | None = None
    shop_account: ShopAccount | None = None
    salesperson: Salesperson | None = None
    # A customer account the shop signed in without one of its logins (SH-3 hand-over).
    customer_account: CustomerAccount | None = None
    visitor_token: uuid.UUID | None = None

    @property
    def is_login(self) -> bool:
        return self.shop_account is not None

    @property
    def actor(self) -> Actor:
        if self.user is None and self.shop_account is not None:
            if self.shop_account.user_id is not None:
                return Actor.shopper(self.shop_account.user)
            return Actor(label=f"shopper:{self.shop_account.guid}")
        return Actor.shopper(self.user)

    @property
    def key(self) -> str:
        """A stable text naming the shopper (for the advisory lock)."""
        if self.shop_account is not None:
            return f"account:{self.shop_account.pk}"
        return f"visitor:{self.visitor_token}"

    @property
    def is_known(self) -> bool:
        """The shopper can keep a list of baskets (a login, or a visitor with a token)."""
        return self.shop_account is not None or self.visitor_token is not None

    def entries_q(self) -> Q:
        """Filter of this shopper's ``ShopperBasket`` rows (none for an unknown shopper)."""
        if self.shop_account is not None:
            return Q(shop_account=self.shop_account)
        if self.visitor_token is not None:
            return Q(visitor_token=self.visitor_token)
        return Q(pk__in=[])


def login_shopper(account: ShopAccount, *, user=None) -> Shopper:
    """The shopper a login is, with its salesperson role when it has one."""
    salesperson = (
        Salesperson.objects.select_related("selected_customer")
        .filter(shop_account=account)
        .first()
    )
    return Shopper(user=user, shop_account=account, salesperson=salesperson)


def shopper_from_request(request: HttpRequest, *, create_token: bool = True) -> Shopper:
    """The shopper of a request; an anonymous visitor gets a token in the session (when
    ``create_token``; otherwise a visitor without one has no baskets)."""
    user = request.user
    accounts = ShopAccount.objects.select_related("customer_account", "user")
    # The shop's latest word (a mailed link or its hand-over) before a Django login.
    signed_in = request.session.get(ACCOUNT_SESSION_KEY)
    if signed_in is not None:
        account = accounts.filter(pk=signed_in).first()
        if account is not None:
            return login_shopper(account)
    if user.is_authenticated:
        account = accounts.filter(user_id=user.pk).first()
        if account is not None:
            return login_shopper(account, user=user)
    token = visitor_token(request, create=create_token)
    customer = request.session.get(CUSTOMER_SESSION_KEY)
    return Shopper(
        user=user if user.is_authenticated else None,
        visitor_token=token,
        customer_account=(
            CustomerAccount.objects.filter(pk=customer).first() if customer is not None else None
        ),
    )


def shopper_sign_in(
    request: HttpRequest,
    *,
    shop_account: ShopAccount | None = None,
    customer_account: CustomerAccount | None = None,
) -> None:
    """SH-3: sign a login (or a customer account) in to this session, as a mailed link's
    token or the shop's hand-over proved it; a new session key (no fixation), the
    visitor's token kept."""
    request.session.cycle_key()
    request.session.pop(ACCOUNT_SESSION_KEY, None)
    request.session.pop(CUSTOMER_SESSION_KEY, None)
    if shop_account is not None:
        request.session[ACCOUNT_SESSION_KEY] = shop_account.pk
    elif customer_account is not None:
        request.session[CUSTOMER_SESSION_KEY] = customer_account.pk


def visitor_token(request: HttpRequest, *, create: bool) -> uuid.UUID | None:
    """The anonymous visitor's token from the session, made when ``create``."""
    raw = request.session.get(SESSION_KEY)
    if raw:
        try:
            return uuid.UUID(str(raw))
        except ValueError:
            pass
    if not create:
        return None
    token = uuid.uuid4()
    request.session[SESSION_KEY] = str(token)
    return token
