"""No full card number and no forged line in any log line (SPEC AC-4, LC-3).

``RedactCardNumbers`` filters Django's and gunicorn's error log: Django writes control and
non-ASCII characters of a path as escapes (``\\t``, ``\\uff14``), which are read back before
looking for a card number, and the message it leaves holds no control character (a ``%0a``
in a path cannot start a line of its own). ``CardRedactingLogger`` is gunicorn's logger
(``gunicorn.conf.py`` names it as ``logger_class``): the access-log fields its format prints
(path, method, agent, ...) have card numbers redacted and control characters escaped; the
fields it does not print are not read.
"""

import logging
import re

from gunicorn.glogging import Logger

from .cards import card_numbers_redact, contains_full_card_number

ESCAPE = re.compile(r"\\(?:([tnrfv])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
# C0 and C1 controls, DEL and the Unicode line and paragraph separators: each could end a
# log line or hide part of one.
CONTROL_ESCAPES = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}
FORMAT_FIELD = re.compile(r"%\(([^)]+)\)")


def control_characters_escaped(text: str) -> str:
    return text.translate(CONTROL_ESCAPES)


def _unescaped(match: re.Match) -> str:
    code = match.group(2) or match.group(3) or match.group(4)
    return " " if code is None else chr(int(code, 16))


class RedactCardNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            original = record.getMessage()
        except (TypeError, ValueError):
            return True
        message = original
        unescaped = ESCAPE.sub(_unescaped, message)
        if contains_full_card_number(unescaped):
            message = card_numbers_redact(unescaped)
        message = control_characters_escaped(message)
        if message != original:
            record.msg = message
            record.args = None
        return True


class CardRedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactCardNumbers())
        self.printed_fields = frozenset(
            field.lower() if field.startswith("{") else field
            for field in FORMAT_FIELD.findall(cfg.access_log_format)
        )

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in self.printed_fields & atoms.keys():
            value = atoms[key]
            if isinstance(value, str):
                atoms[key] = control_characters_escaped(card_numbers_redact(value))
        return atoms
