"""Card data rules: only masked card numbers are accepted, stored or logged (LC-3).

A full card number is 13 to 19 digits (spaces or dashes allowed between them) passing the
Luhn check. Any request carrying one is refused before anything is written, and the
refusal never repeats the number.
"""

import re
from collections.abc import Iterable
from typing import Any

from .storefront_errors import FullCardNumberRefused, StorefrontInputError

# A run of 13-19 digits, optionally grouped by single spaces or dashes, not part of a longer
# run of digits.
CARD_CANDIDATE = re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")
# Masked numbers as providers show them: at most the first 6 and last 4 digits in clear.
MASKED_CARD = re.compile(r"^[0-9*xX• -]{4,25}$")
MASKED_CARD_MAX_DIGITS = 10


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


# A GUID's all-digit groups can line up as 13-19 digits between dashes; a GUID is never a
# card number, so GUIDs are taken out before looking.
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def contains_full_card_number(text: str) -> bool:
    for match in CARD_CANDIDATE.finditer(GUID.sub(" ", text)):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def card_numbers_redact(text: str) -> str:
    """``text`` with every full card number replaced (for log lines)."""

    def replace(match: re.Match) -> str:
        digits = re.sub(r"[ -]", "", match.group())
        return "[card number removed]" if luhn_valid(digits) else match.group()

    # The capturing split keeps the GUIDs (odd positions) as they are.
    parts = re.split(f"({GUID.pattern})", text)
    return "".join(
        part if index % 2 else CARD_CANDIDATE.sub(replace, part)
        for index, part in enumerate(parts)
    )


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
    """A masked card number as shown by the provider, or ``StorefrontInputError``."""
    value = value.strip()
    if not value:
        return ""
    digits = sum(char.isdigit() for char in value)
    if not MASKED_CARD.match(value) or digits > MASKED_CARD_MAX_DIGITS or digits == len(value):
        raise StorefrontInputError(
            "masked_card_number must be a masked card number of 4 to 25 characters with at "
            "most the first 6 and last 4 digits in clear, e.g. ************1111.",
            code="invalid_masked_card_number",
        )
    return value
