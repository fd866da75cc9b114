"""Domain errors. The API maps them to 4xx with a JSON ``detail`` and ``code``."""


class BasketError(Exception):
    """Base for every refusal of a basket operation."""

    code = "basket_error"
    http_status = 400

    def __init__(self, message: str, *, basket_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.basket_id = basket_id


class BasketNotFound(BasketError):
    code = "basket_not_found"
    http_status = 404


class InvalidGuid(BasketError):
    code = "invalid_guid"
    http_status = 400


class TransitionNotAllowed(BasketError):
    """The basket's current status does not allow the requested change."""

    code = "transition_not_allowed"
    http_status = 409

    def __init__(self, *, action: str, current: str, basket_id: int | None = None):
        super().__init__(
            f"Cannot {action.replace('_', ' ')} a basket that is {current.replace('_', ' ')}.",
            basket_id=basket_id,
        )
        self.action = action
        self.current = current


class BasketNotEditable(BasketError):
    """The shopper's hold on the basket has ended (locked, paid, confirmed or deleted)."""

    code = "basket_not_editable"
    http_status = 409


class BasketHasOrder(BasketError):
    code = "basket_has_order"
    http_status = 409


class StepNotAllowed(BasketError):
    """A staff step the basket's status or checkout stage does not allow (CB-5)."""

    code = "step_not_allowed"
    http_status = 409


class UnknownFilter(BasketError):
    """A list request named a filter the list does not have (it would have been ignored)."""

    code = "unknown_filter"
    http_status = 400


class BulkJobOverlap(BasketError):
    """BM-1: an unfinished bulk job already works on some of the selected baskets."""

    code = "bulk_job_overlap"
    http_status = 409
