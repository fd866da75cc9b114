"""AB-4, AC-6: the unsubscribe link of reminder e-mails.

Its token is random and stored (``UnsubscribeToken``) per login, or per address for a guest:
it says nothing to whoever reads it and cannot be derived from the account or the address.
The link is the same in every reminder to them and never expires. Opening it only shows a
confirmation page; unsubscribing is a POST (the page's button, or a mail client's RFC 8058
one-click POST).
"""

import uuid

from django.conf import settings
from django.urls import reverse

from .models import UnsubscribeToken
from .services import UnsubscribeTarget, unsubscribe_token


def unsubscribe_target(token: str) -> UnsubscribeTarget | None:
    """Whom a token stands for, or None for an unknown token."""
    if not 0 < len(token) <= 64:
        return None
    entry = (
        UnsubscribeToken.objects.filter(token=token)
        .values_list("shop_account__guid", "email")
        .first()
    )
    if entry is None:
        return None
    account_guid, email = entry
    return UnsubscribeTarget(shop_account_guid=account_guid, email=email)


def unsubscribe_url(shop_account_guid: uuid.UUID | str | None = None, *, email: str = "") -> str:
    """The absolute unsubscribe link for a login or, with no login, a guest's address."""
    target = UnsubscribeTarget(
        shop_account_guid=uuid.UUID(str(shop_account_guid)) if shop_account_guid else None,
        email=email,
    )
    path = reverse("recovery:unsubscribe", kwargs={"token": unsubscribe_token(target)})
    return f"{settings.SHOP_BASE_URL}{path}"
