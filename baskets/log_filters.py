"""Logging filters: no full card number reaches a log line (LC-3).

Django logs the path of every 4xx/5xx request; a storefront that puts a card number in a
URL would otherwise have it written to the log.
"""

import logging

from .services.cards import card_numbers_redact, contains_full_card_number


class RedactCardNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if contains_full_card_number(message):
            record.msg = card_numbers_redact(message)
            record.args = None
        return True
