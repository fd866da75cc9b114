"""The configured payment providers, by name (``PAYMENT_PROVIDERS`` lists the adapters)."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Notification, Provider

__all__ = ["Notification", "Provider", "provider_get"]


def provider_get(name: str) -> Provider | None:
    """The adapter called ``name`` built from settings; None when unknown or not configured."""
    for path in settings.PAYMENT_PROVIDERS:
        adapter = import_string(path)
        if adapter.name == name:
            return adapter.from_settings()
    return None
