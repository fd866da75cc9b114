"""A basket's absolute links: its recovery link (RL-8, BasketUrl), as the API, e-mails and
templates hand it out, and its page in the back office, as staff e-mails give it.

Every absolute link starts with ``SHOP_BASE_URL``; the path is the shopper-facing recovery
route (SPEC section 8), looked up by name so it is written in one place.
"""

import uuid

from django.conf import settings
from django.urls import reverse


def basket_url(guid: uuid.UUID | str) -> str:
    """The absolute recovery link of a basket; the GUID never changes, so neither does it."""
    path = reverse("recovery:recover", kwargs={"guid": str(guid)})
    return f"{settings.SHOP_BASE_URL}{path}"


def basket_admin_url(basket_id: int) -> str:
    """The absolute link of a basket's page in the back office (staff e-mails)."""
    path = reverse("admin:baskets_basket_change", args=[basket_id])
    return f"{settings.BACKOFFICE_BASE_URL}{path}"
