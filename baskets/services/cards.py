"""Card data rules: only masked card numbers are accepted, stored or logged (LC-3, AC-4).

A full card number is 13 to 19 digits passing the Luhn check, however it is typed: any
Unicode digits (full-width, Arabic-Indic, ...; text is NFKC-normalised first) in groups
separated by 1 to 3 characters that are neither letters nor digits (spaces, tabs, dots,
dashes, underscores, slashes...). Letters do not separate, and digits glued to a Latin
letter are part of a word: tokens, hex keys and base64 cursors are not card numbers (text in
scripts without spaces, "カード4111111111111111", still is). GUIDs and date-times
("2026-12-03 06:05:27", a log's "03/Dec/2026:06:24:18 +0000") are never card numbers, however
their digits add up. Any request carrying one is refused before anything is written, and the
refusal never repeats the number.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from .storefront_errors import FullCardNumberRefused, StorefrontInputError

DIGIT_GROUP = re.compile(r"\d+")
# Between two groups of one number: 1-3 characters that are neither letters nor digits.
SEPARATOR = re.compile(r"^[\W_]{1,3}$")
CARD_DIGITS = range(13, 20)
# A masked number: digits, mask characters and separators; compared by position below.
MASK_CHARACTERS = frozenset("*xX•#")
MASK_SEPARATORS = frozenset(" -")
MASKED_CLEAR_FIRST, MASKED_CLEAR_LAST = 6, 4


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Shapes whose digit groups can line up as 13-19 digits between separators and pass the
# Luhn check one time in ten, but are never card numbers, so they are taken out before
# looking: a GUID, a date-time with seconds (ISO 8601 or as Python and PostgreSQL print it,
# with any fraction and offset) and the access log's timestamp. Each is matched strictly
# (months 01-12, hours 00-23, ...), so a card typed in groups never passes for one.
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
DATE_TIME = (
    r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[ T]"
    rf"{_CLOCK}(?:[.,]\d{{1,9}})?(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
)
ACCESS_LOG_TIME = rf"(?:0[1-9]|[12]\d|3[01])/[A-Z][a-z]{{2}}/\d{{4}}:{_CLOCK} [+-]\d{{4}}"
# Capturing: a split keeps them at the odd positions.
NEVER_CARDS = re.compile(f"({GUID}|{DATE_TIME}|{ACCESS_LOG_TIME})")


def _ascii_digits(text: str) -> str:
    return "".join(str(int(char)) for char in text)


def _card_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every full card number in ``text`` (already normalised)."""
    groups = list(DIGIT_GROUP.finditer(text))
    for first in range(len(groups)):
        if _glued_to_word(text, groups[first].start() - 1):
            continue
        digits = ""
        for last in range(first, len(groups)):
            if last > first and not SEPARATOR.match(
                text[groups[last - 1].end() : groups[last].start()]
            ):
                break
            digits += _ascii_digits(groups[last].group())
            if len(digits) > CARD_DIGITS[-1]:
                break
            if (
                len(digits) in CARD_DIGITS
                and luhn_valid(digits)
                and not _glued_to_word(text, groups[last].end())
            ):
                yield groups[first].start(), groups[last].end()
                break


def _glued_to_word(text: str, index: int) -> bool:
    """Whether the character at ``index`` (next to a digit group) is a Latin letter."""
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalpha()


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def contains_full_card_number(text: str) -> bool:
    text = _normalised(text)
    # Fewer digits (``\d`` is ``str.isdecimal``) than the shortest card number: nothing to
    # look for. Most of what a request carries (hosts, types, agents, paths) ends here.
    if len(text) < CARD_DIGITS[0] or sum(map(str.isdecimal, text)) < CARD_DIGITS[0]:
        return False
    for part in NEVER_CARDS.split(text)[::2]:
        if next(_card_spans(part), None) is not None:
            return True
    return False


def card_numbers_redact(text: str) -> str:
    """``text`` with every full card number replaced (for log lines)."""
    if not contains_full_card_number(text):
        return text

    def redact(part: str) -> str:
        spans = list(_card_spans(part))
        for start, end in reversed(_merged(spans)):
            part = f"{part[:start]}[card number removed]{part[end:]}"
        return part

    # The GUIDs and date-times (odd positions) stay as they are.
    parts = NEVER_CARDS.split(_normalised(text))
    return "".join(part if index % 2 else redact(part) for index, part in enumerate(parts))


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _strings(value: Any) -> Iterable[tuple[str, str]]:
    """Every string (keys included) in a JSON-like value, with a path naming its field."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                stack.append((child_path, str(key)))
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
        elif isinstance(item, str):
            yield path, item
        elif isinstance(item, int | float) and not isinstance(item, bool):
            yield path, str(item)


def card_numbers_refuse(value: Any, *, where: str = "request") -> None:
    """Raise ``FullCardNumberRefused`` if any field of ``value`` holds a full card number."""
    for path, text in _strings(value):
        if contains_full_card_number(text):
            # The field's name must not repeat the number either (it may be a JSON key).
            shown = "a field name" if contains_full_card_number(path) else path
            field = f" in “{shown}”" if shown else ""
            raise FullCardNumberRefused(
                f"A full card number was sent{field} of the {where}. Card numbers are never "
                "accepted: send only the masked number (e.g. ************1111). "
                "Nothing was stored."
            )


def masked_card_validate(value: str) -> str:
    """A masked card number as shown by the provider, or ``StorefrontInputError``: digits in
    clear only among the first 6 and the last 4 positions of the number, the rest masked."""
    value = _normalised(value).strip()
    if not value:
        return ""
    compact = [char for char in value if char not in MASK_SEPARATORS]
    digits_ok = all(char in "0123456789" or char in MASK_CHARACTERS for char in compact)
    clear_in_middle = any(
        char.isdigit()
        for position, char in enumerate(compact)
        if MASKED_CLEAR_FIRST <= position < len(compact) - MASKED_CLEAR_LAST
    )
    masked = any(char in MASK_CHARACTERS for char in compact)
    if not (4 <= len(value) <= 25 and digits_ok and masked) or clear_in_middle:
        raise StorefrontInputError(
            "masked_card_number must be a masked card number of 4 to 25 characters with at "
            "most the first 6 and last 4 digits in clear, e.g. ************1111.",
            code="invalid_masked_card_number",
        )
    return value
