"""Log lines as one JSON object each (IN-3), with the context of the work in hand.

``LogContext`` adds ``request_id``, ``basket_guid`` and ``task_id`` to every record (plain
and JSON alike); ``JsonFormatter`` (python-json-logger) writes the record as JSON and
removes full card numbers from every field, not just the message (AC-4).
"""

import logging
from datetime import UTC, datetime
from typing import Any

from celery import current_task
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from security.cards import card_numbers_redact, contains_full_card_number

from .log_context import basket_guid_var, request_id_var


class LogContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            # gunicorn logs after the app returned: the id is the response's header.
            record.request_id = record.args.get("{x-request-id}o") or None
        record.request_id = getattr(record, "request_id", None) or request_id_var.get()
        record.basket_guid = getattr(record, "basket_guid", None) or basket_guid_var.get()
        task = current_task
        record.task_id = getattr(record, "task_id", None) or (task.request.id if task else None)
        return True


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return card_numbers_redact(value) if contains_full_card_number(value) else value
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    # Anything else (a request object Django passes as an extra, ...) would be written as
    # its str(): redact that.
    return _redact(str(value))


class JsonFormatter(BaseJsonFormatter):
    """``{"time", "level", "logger", "message", "request_id", "basket_guid", "task_id", ...}``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message", "process"])
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(*args, **kwargs)

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return _redact(log_data)


class RefusalOneLine(logging.Filter):
    """A refused request (403) is one line: path, user and reason, without the traceback
    of the ``PermissionDenied`` Django logs with it (nothing went wrong: access was refused)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        exception = record.exc_info[1] if record.exc_info else None
        reason = str(exception) if exception is not None else ""
        if not reason:
            reason = "permission denied" if exception is not None else record.getMessage()
        request = getattr(record, "request", None)
        path = getattr(request, "path", "") or ""
        user = getattr(request, "user", None)
        name = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        record.msg = "Forbidden: %s user=%s reason=%s"
        record.args = tuple(
            text.encode("unicode_escape").decode("ascii") for text in (path, name, reason)
        )
        record.exc_info = None
        record.exc_text = None
        return True
