"""Business settings (SPEC section 8): the one accessor every reader goes through.

Environment variables give the defaults (``basketops/settings.py``); staff may change the
live values in the admin, so code reads each setting here at the moment it needs it, never
at import time, and a change takes effect in web and workers without a restart.
"""

from typing import Any

from django.conf import settings


def business_setting(name: str) -> Any:
    """The current value of the business setting ``name`` (e.g. ``BASKET_ABANDON_AFTER``)."""
    return getattr(settings, name)
