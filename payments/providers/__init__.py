"""The configured payment providers, by name (``PAYMENT_PROVIDERS`` lists the adapters)."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Notification, Provider, ProviderPayment

__all__ = ["Notification", "Provider", "ProviderPayment", "provider_for_reference", "provider_get"]


def _adapters():
    return [import_string(path) for path in settings.PAYMENT_PROVIDERS]


def provider_get(name: str) -> Provider | None:
    """The adapter called ``name`` built from settings; None when unknown or not configured."""
    for adapter in _adapters():
        if adapter.name == name:
            return adapter.from_settings()
    return None


def provider_for_reference(reference: str) -> Provider | None:
    """The configured provider whose payment ``reference`` is, or None."""
    for adapter in _adapters():
        provider = adapter.from_settings()
        if provider is not None and provider.owns_reference(reference):
            return provider
    return None
