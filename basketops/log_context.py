"""What a log line is about: request id and basket GUID of the work in hand (IN-3).

Context variables, so each thread (gunicorn's threads, Celery's pool) keeps its own.
"""

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
basket_guid_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "basket_guid", default=None
)

VARIABLES = {"request_id": request_id_var, "basket_guid": basket_guid_var}


@contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    """Set request_id / basket_guid for the log lines written inside the block."""
    tokens = [
        (VARIABLES[name], VARIABLES[name].set(value))
        for name, value in values.items()
        if value is not None
    ]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def basket_guid_note(raw: object) -> None:
    """The basket a request is about, from its URL's ``<guid>`` or ``?guid=``: kept for its
    log lines when it is a GUID, cleared when there is none, left as it was otherwise."""
    try:
        basket_guid_var.set(str(uuid.UUID(str(raw))) if raw else None)
    except ValueError:
        pass
