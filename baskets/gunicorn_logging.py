"""gunicorn's logger with no full card number in any line (SPEC AC-4, LC-3).

``gunicorn.conf.py`` names it as ``logger_class``. The access log's every field (path,
query, request line, headers) is redacted before formatting, and the error log (which
quotes bad request lines) goes through the same filter as Django's log.
"""

from gunicorn.glogging import Logger

from .log_filters import RedactCardNumbers
from .services.cards import card_numbers_redact


class CardRedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactCardNumbers())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: card_numbers_redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
