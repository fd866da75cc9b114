"""Errors the webhook services raise for bad input."""


class EndpointInvalid(ValueError):
    """An endpoint's URL or event types cannot be accepted; the message says why."""
