class CompletionError(Exception):
    """One basket could not be completed this time (counted as a failed attempt)."""


class GatewayUnavailable(Exception):
    """The payment gateway did not answer; the charge may be tried again later."""
