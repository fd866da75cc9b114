"""Domain errors. The API maps them to 4xx with a JSON ``detail`` and ``code``."""

from django.utils.translation import gettext, gettext_noop, pgettext_lazy


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


# A refused change as a sentence, per action; the status in words. English where no
# language is active (the API, the workers); an admin page reads it in the staff member's
# language. ``action`` and ``current`` keep the codes.
REFUSAL_SENTENCES = {
    "mark_paid": gettext_noop("Cannot mark paid a basket that is %(status)s."),
    "lock": gettext_noop("Cannot lock a basket that is %(status)s."),
    "unlock": gettext_noop("Cannot unlock a basket that is %(status)s."),
    "confirm": gettext_noop("Cannot confirm a basket that is %(status)s."),
    "complete": gettext_noop("Cannot complete a basket that is %(status)s."),
    "fail_completion": gettext_noop("Cannot fail completion a basket that is %(status)s."),
    "requeue": gettext_noop("Cannot requeue a basket that is %(status)s."),
    "finalise_unpaid": gettext_noop("Cannot finalise unpaid a basket that is %(status)s."),
    "close": gettext_noop("Cannot close a basket that is %(status)s."),
    "delete": gettext_noop("Cannot delete a basket that is %(status)s."),
}
STATUS_WORDS = {
    "active": pgettext_lazy("basket status", "active"),
    "locked": pgettext_lazy("basket status", "locked"),
    "awaiting_completion": pgettext_lazy("basket status", "awaiting completion"),
    "completed": pgettext_lazy("basket status", "completed"),
    "completion_failed": pgettext_lazy("basket status", "completion failed"),
}


def transition_refusal_text(action: str, current: str) -> str:
    """The refusal in the active language, e.g. "Cannot unlock a basket that is active"."""
    status = STATUS_WORDS.get(str(current))
    status = str(status) if status else str(current).replace("_", " ")
    sentence = REFUSAL_SENTENCES.get(str(action))
    if sentence is None:
        return f"Cannot {str(action).replace('_', ' ')} a basket that is {status}."
    return gettext(sentence) % {"status": status}


class TransitionNotAllowed(BasketError):
    """The basket's current status does not allow the requested change."""

    code = "transition_not_allowed"
    http_status = 409

    def __init__(self, *, action: str, current: str, basket_id: int | None = None):
        super().__init__(transition_refusal_text(action, current), basket_id=basket_id)
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
