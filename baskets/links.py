"""RL-8: a basket's recovery link (BasketUrl), as the API, e-mails and templates hand it out.

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
