"""What a payment provider's message or call can end in."""


class NotificationRefused(Exception):
    """The notification is not the provider's: bad or missing signature, too old, not JSON."""


class ProviderUnavailable(Exception):
    """The provider could not be asked (network, timeout, 5xx): try again later."""
