"""Refusals of storefront writes (API-2); the API maps each to a 4xx JSON ``detail`` + ``code``."""

from ..exceptions import BasketError, BasketNotEditable


class StorefrontInputError(BasketError):
    """The request is malformed or names something that does not exist (nothing changed)."""

    http_status = 400

    def __init__(self, message: str, *, code: str = "invalid_input", basket_id: int | None = None):
        super().__init__(message, basket_id=basket_id)
        self.code = code


class LineNotFound(BasketError):
    code = "line_not_found"
    http_status = 404


class WrongStageOrder(BasketError):
    code = "wrong_stage_order"
    http_status = 409


class PaymentNotStarted(BasketError):
    code = "payment_not_started"
    http_status = 409


class HoldEnded(BasketNotEditable):
    """Staff confirmed, unlocked or deleted the basket: the storefront must start again."""

    code = "basket_hold_ended"


class IdempotencyKeyReused(BasketError):
    code = "idempotency_key_reused"
    http_status = 422
