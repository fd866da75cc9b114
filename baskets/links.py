"""A basket's absolute links: its recovery link (RL-8, BasketUrl), as the API, e-mails and
templates hand it out, and its page in the back office, as staff e-mails give it.

Every absolute recovery link starts with ``SHOP_BASE_URL``; its path is the shopper-facing
recovery route (SPEC section 8), which belongs to the app serving it: that app registers how
the path is made when it starts (``recovery_path_register``, from ``RecoveryConfig.ready``),
so ``baskets`` knows neither its module nor its route's name.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

# The app that serves the recovery route: how it makes a basket's path.
_recovery_path: dict[str, Callable[[uuid.UUID | str], str]] = {}


def recovery_path_register(path_of: Callable[[uuid.UUID | str], str]) -> None:
    """Called once by the app serving the recovery route, when it starts."""
    _recovery_path["basket"] = path_of


def basket_url(guid: uuid.UUID | str) -> str:
    """The absolute recovery link of a basket; the GUID never changes, so neither does it."""
    path_of = _recovery_path.get("basket")
    if path_of is None:
        raise ImproperlyConfigured("No installed app serves the recovery links (recovery).")
    return f"{settings.SHOP_BASE_URL}{path_of(guid)}"


def basket_admin_url(basket_id: int) -> str:
    """The absolute link of a basket's page in the back office (staff e-mails)."""
    path = reverse("admin:baskets_basket_change", args=[basket_id])
    return f"{settings.BACKOFFICE_BASE_URL}{path}"
