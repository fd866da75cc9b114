"""Logging filters: no full card number reaches a log line (LC-3, AC-4).

Django logs the path of every 4xx/5xx request; a storefront that puts a card number in a
URL would otherwise have it written to the log. Django writes control and non-ASCII
characters in a path as escapes (``\\t``, ``\\uff14``): they are read back first.
"""

import logging
import re

from .services.cards import card_numbers_redact, contains_full_card_number

ESCAPE = re.compile(r"\\(?:([tnrfv])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")


def _unescaped(match: re.Match) -> str:
    code = match.group(2) or match.group(3) or match.group(4)
    return " " if code is None else chr(int(code, 16))


class RedactCardNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        unescaped = ESCAPE.sub(_unescaped, message)
        if contains_full_card_number(unescaped):
            record.msg = card_numbers_redact(unescaped)
            record.args = None
        return True
