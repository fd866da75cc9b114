"""Business settings (SPEC section 8): the one accessor every reader goes through.

Environment variables give the defaults (``basketops/settings.py``); System administrators
change the live ones in the admin (django-constance, database backend), so code reads each
setting here at the moment it needs it, never at import time, and a change takes effect in
web and workers without a restart.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from constance import config
from django import forms
from django.conf import settings
from django.core.validators import validate_email


def _email_list(value: str) -> list[str]:
    return [address.strip() for address in value.split(",") if address.strip()]


# Setting name -> (live key in CONSTANCE_CONFIG, conversion of the stored value).
LIVE_SETTINGS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "EMAIL_SYSTEM_MESSAGES": ("EMAIL_SYSTEM_MESSAGES", bool),
    "STAFF_NOTIFICATION_EMAILS": ("STAFF_NOTIFICATION_EMAILS", _email_list),
    "MULTIPLE_BASKETS": ("MULTIPLE_BASKETS", bool),
    "PENDING_PAYMENT_POLICY": ("PENDING_PAYMENT_POLICY", str),
    "BASKET_ABANDON_AFTER": ("BASKET_ABANDON_AFTER_MINUTES", lambda v: timedelta(minutes=v)),
    "ABANDONMENT_RETENTION": ("ABANDONMENT_RETENTION_DAYS", lambda v: timedelta(days=v)),
    "COMPLETION_MAX_ATTEMPTS": ("COMPLETION_MAX_ATTEMPTS", int),
    "RECOVERY_LINK_MAX_AGE": ("RECOVERY_LINK_DAYS", lambda v: timedelta(days=v)),
    "REMINDER_DAILY_CAP": ("REMINDER_DAILY_CAP", int),
    "REMINDER_CONSENT_POLICY": ("REMINDER_CONSENT_POLICY", str),
    "REMINDER_UTM_SOURCE": ("REMINDER_UTM_SOURCE", str),
    "REMINDER_UTM_MEDIUM": ("REMINDER_UTM_MEDIUM", str),
    "REMINDER_UTM_CAMPAIGN": ("REMINDER_UTM_CAMPAIGN", str),
    "RECOVERY_DIGEST_EMAILS": ("RECOVERY_DIGEST_EMAILS", _email_list),
    "SHOP_NAME": ("SHOP_NAME", str),
    "SHOP_URL": ("SHOP_URL", str),
    "SHOP_LOGO_URL": ("SHOP_LOGO_URL", str),
    "SHOP_COLOUR": ("SHOP_COLOUR", str),
    "SHOP_TEXT_COLOUR": ("SHOP_TEXT_COLOUR", str),
    "SHOP_CONTACT_EMAIL": ("SHOP_CONTACT_EMAIL", str),
    "SHOP_CONTACT_PHONE": ("SHOP_CONTACT_PHONE", str),

    "SHOP_CURRENCIES": ("SHOP_CURRENCIES", str),
    "COMPLETION_REQUEUE_ON_SYNC": ("COMPLETION_REQUEUE_ON_SYNC", bool),
    "BASKET_LIFETIME_ANONYMOUS_DAYS": ("BASKET_LIFETIME_ANONYMOUS_DAYS", int),
    "BASKET_LIFETIME_EMPTY_DAYS": ("BASKET_LIFETIME_EMPTY_DAYS", int),
    "BASKET_LIFETIME_LOGIN_DAYS": ("BASKET_LIFETIME_LOGIN_DAYS", int),
    "TIMELINE_RETENTION_DAYS": ("TIMELINE_RETENTION_DAYS", int),
    "PAYMENT_RESULT_RETENTION_DAYS": ("PAYMENT_RESULT_RETENTION_DAYS", int),
    "OUTBOX_RETENTION_DAYS": ("OUTBOX_RETENTION_DAYS", int),
    "WEBHOOK_ATTEMPT_RETENTION_DAYS": ("WEBHOOK_ATTEMPT_RETENTION_DAYS", int),
    "LOCKED_CART_PROVIDER_DECISION": ("LOCKED_CART_PROVIDER_DECISION", str),
    "LOCKED_CART_UNLOCK_AFTER": (
        "LOCKED_CART_UNLOCK_AFTER_HOURS",
        lambda v: timedelta(hours=v),
    ),
}


def business_setting_stored(key: str) -> Any:
    """The value saved in the admin for the live key ``key``, or None (never saved)."""
    # The backend answers None for a key never saved, where ``config.<key>`` would answer
    # the default frozen at import time; the environment's value is read live instead.
    return config._backend.get(key)


def business_setting(name: str) -> Any:
    """The current value of the business setting ``name`` (e.g. ``BASKET_ABANDON_AFTER``):
    the value saved in the admin when there is one, else the environment's."""
    live = LIVE_SETTINGS.get(name)
    if live is not None:
        key, convert = live
        stored = business_setting_stored(key)
        if stored is not None:
            return convert(stored)
    return getattr(settings, name)


class EmailListField(forms.CharField):
    """Comma-separated e-mail addresses; each one is checked, the list kept as "a, b"."""

    def clean(self, value):
        value = super().clean(value)
        addresses = _email_list(value or "")
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    f"“{address[:80]}” is not an e-mail address.", code="invalid"
                ) from error
        return ", ".join(addresses)
