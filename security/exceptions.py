"""Refusals of a request's text; each carries the HTTP status and code the answer uses."""


class RequestTextRefused(Exception):
    code = "refused"
    http_status = 400

    def __init__(self, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.message = message
        if http_status is not None:
            self.http_status = http_status


class FullCardNumberRefused(RequestTextRefused):
    """A full card number was sent; the message never repeats it."""

    code = "full_card_number"


class TooMuchToCheck(RequestTextRefused):
    """More text than the card-number check reads for one request: refused unread."""

    code = "request_too_large"
    http_status = 413
