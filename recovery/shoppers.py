"""Who is recovering: a login (shop account, maybe a salesperson) or an anonymous visitor."""

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import HttpRequest

from baskets.models import Salesperson, ShopAccount
from baskets.services.actors import Actor

# The session key holding an anonymous visitor's token. ``login()`` keeps session data
# when it changes the session key, so the visitor's baskets survive logging in.
SESSION_KEY = "recovery_visitor"


@dataclass(frozen=True)
class Shopper:
    """A login (``shop_account`` set) or an anonymous visitor (``visitor_token`` set)."""

    user: AbstractBaseUser | AnonymousUser | None = None
    shop_account: ShopAccount | None = None
    salesperson: Salesperson | None = None
    visitor_token: uuid.UUID | None = None

    @property
    def is_login(self) -> bool:
        return self.shop_account is not None

    @property
    def actor(self) -> Actor:
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


def shopper_from_request(request: HttpRequest, *, create_token: bool = True) -> Shopper:
    """The shopper of a request; an anonymous visitor gets a token in the session (when
    ``create_token``; otherwise a visitor without one has no baskets)."""
    user = request.user
    if user.is_authenticated:
        account = (
            ShopAccount.objects.select_related("customer_account")
            .filter(user_id=user.pk)
            .first()
        )
        if account is not None:
            salesperson = (
                Salesperson.objects.select_related("selected_customer")
                .filter(shop_account=account)
                .first()
            )
            return Shopper(user=user, shop_account=account, salesperson=salesperson)
    token = _visitor_token(request, create=create_token)
    return Shopper(user=user if user.is_authenticated else None, visitor_token=token)


def _visitor_token(request: HttpRequest, *, create: bool) -> uuid.UUID | None:
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
