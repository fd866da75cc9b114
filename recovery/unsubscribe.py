"""AB-4, AC-6: the unsubscribe link of reminder e-mails.

Its token is random and stored per shop account (``UnsubscribeToken``): it says nothing to
whoever reads it and cannot be derived from the account. The link is the same in every
reminder to the account and never expires. Opening it only shows a confirmation page;
unsubscribing is a POST (the page's button, or a mail client's RFC 8058 one-click POST).
"""

import uuid

from django.conf import settings
from django.urls import reverse

from .models import UnsubscribeToken
from .services import unsubscribe_token


def unsubscribe_account(token: str) -> uuid.UUID | None:
    """The GUID of the shop account a token belongs to, or None for an unknown token."""
    if not 0 < len(token) <= 64:
        return None
    return (
        UnsubscribeToken.objects.filter(token=token)
        .values_list("shop_account__guid", flat=True)
        .first()
    )


def unsubscribe_url(shop_account_guid: uuid.UUID | str) -> str:
    path = reverse("recovery:unsubscribe", kwargs={"token": unsubscribe_token(shop_account_guid)})
    return f"{settings.SHOP_BASE_URL}{path}"
