"""Full card numbers (SPEC AC-4, LC-3): found in one linear pass, redacted from log fields,
refused in requests.

A full card number is 13 to 19 digits passing the Luhn check, however it is typed: any
Unicode digits (text is NFKC-normalised first), in groups joined by any run of characters
that are neither letters nor digits ("4111 1111", "4111.1111", "4111  -  1111", tabs, ...).
A letter ends a number but does not hide it: "visa4111111111111111" and
"4111-1111-1111-1111cvv123" hold one, as does "カード番号4111111111111111です".

What the product makes itself is recognised and taken out first, however its digits add up:
GUIDs, hex keys of 32 characters or more (API token keys, request ids), date-times (ISO 8601
and as Python and PostgreSQL print them, with any fraction and offset; the ETag's compact
"20261203T060527123456"; the access log's "03/Dec/2026:06:24:18 +0000"). Each is matched
strictly, so a card typed in groups never passes for one.

Cost: C regular expressions read the text once; each run of digit groups holding at least 13
digits is then checked with running Luhn sums, each group's end against the group starts
13 to 19 digits before it (at most 7), so the work grows with the text, never faster. What a
request may make us read is capped (``card_numbers_refuse``'s ``limit``, the middleware's
limits): more is refused unread.
"""

import re
import unicodedata
from collections.abc import Iterable
from itertools import accumulate
from typing import Any

from .exceptions import FullCardNumberRefused, TooMuchToCheck

SHORTEST, LONGEST = 13, 19
# Digit groups joined by runs of anything that is neither a letter nor a digit.
CHAIN = re.compile(r"\d+(?:[\W_]+\d+)*")
DIGIT_GROUP = re.compile(r"\d+")
NOT_DIGIT = re.compile(r"\D+")
# A digit's Luhn value when doubled.
DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
# What one request body may make us read (all its strings, keys included): far above any
# storefront write, and read in a few milliseconds at worst.
BODY_SCAN_LIMIT = 64 * 1024

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Whole hex words only (the look-behind anchors each try at a word's start, so a long word
# is read once, not once per position).
HEX_KEY = r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])"
_HOUR = r"(?:[01]\d|2[0-3])"
_CLOCK = rf"{_HOUR}:[0-5]\d:[0-5]\d"
_MONTH, _DAY = r"(?:0[1-9]|1[0-2])", r"(?:0[1-9]|[12]\d|3[01])"
_DATE = rf"\d{{4}}-{_MONTH}-{_DAY}"
DATE_TIME = rf"{_DATE}[ T]{_CLOCK}(?:[.,]\d{{1,9}})?(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
COMPACT_DATE_TIME = rf"\d{{4}}{_MONTH}{_DAY}T{_HOUR}[0-5]\d[0-5]\d\d{{0,6}}"
ACCESS_LOG_TIME = rf"(?:0[1-9]|[12]\d|3[01])/[A-Z][a-z]{{2}}/\d{{4}}:{_CLOCK} [+-]\d{{4}}"
# Capturing: a split keeps them at the odd positions.
NEVER_CARDS = re.compile(f"({GUID}|{DATE_TIME}|{COMPACT_DATE_TIME}|{ACCESS_LOG_TIME}|{HEX_KEY})")
REMOVED = "[card number removed]"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        total += DOUBLED[value] if position % 2 else value
    return total % 10 == 0


def _chain_spans(text: str, chain: re.Match) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of every card number in one run of digit groups: 13-19
    digits from a group's start to a group's end, passing the Luhn check."""
    digits = NOT_DIGIT.sub("", chain.group())
    if len(digits) < SHORTEST:
        return []
    # Luhn sums (mod 10) of every prefix, one doubling the odd positions, one the even ones:
    # a number ending at an even position doubles its odd positions, and the other way
    # round; it passes when the sums at its two ends are equal.
    values = list(map(int, digits))
    doubled = [DOUBLED[value] for value in values]
    odd_doubled, even_doubled = values[:], doubled[:]
    odd_doubled[1::2], even_doubled[1::2] = doubled[1::2], values[1::2]
    odd_sums = [total % 10 for total in accumulate(odd_doubled, initial=0)]
    even_sums = [total % 10 for total in accumulate(even_doubled, initial=0)]
    groups = [group.span() for group in DIGIT_GROUP.finditer(text, *chain.span())]
    offsets = list(accumulate((end - start for start, end in groups), initial=0))
    starts, ends = offsets[:-1], offsets[1:]
    is_start = bytearray(len(digits) + 1)
    for offset in starts:
        is_start[offset] = 1
    # Each length on its own: a few passes of simple comparisons, whatever the grouping.
    found = {}
    for length in range(SHORTEST, LONGEST + 1):
        for end in ends:
            begin = end - length
            if (
                begin >= 0
                and is_start[begin]
                and (
                    odd_sums[end] == odd_sums[begin]
                    if end % 2
                    else even_sums[end] == even_sums[begin]
                )
            ):
                found[end] = begin  # the longest last: it covers the shorter ones
    text_start = dict(zip(starts, (start for start, _ in groups), strict=True))
    text_end = dict(zip(ends, (end for _, end in groups), strict=True))
    return [(text_start[begin], text_end[end]) for end, begin in found.items()]


def _parts(text: str) -> list[str]:
    """The NFKC-normalised text split around what the product makes (odd positions)."""
    return NEVER_CARDS.split(unicodedata.normalize("NFKC", text))


def _might_hold_one(text: str) -> bool:
    # Fewer digits (``\d`` is ``str.isdecimal``) than the shortest card number: nothing to
    # look for. Most of what a request carries (hosts, types, agents, paths) ends here.
    return len(text) >= SHORTEST and sum(map(str.isdecimal, text)) >= SHORTEST


def contains_full_card_number(text: str) -> bool:
    if not _might_hold_one(text):
        return False
    for part in _parts(text)[::2]:
        for chain in CHAIN.finditer(part):
            if _chain_spans(part, chain):
                return True
    return False


def card_numbers_redact(text: str) -> str:
    """``text`` with every full card number replaced (for log fields); unchanged without."""
    if not _might_hold_one(text):
        return text
    parts = _parts(text)
    found = False
    for index in range(0, len(parts), 2):
        part = parts[index]
        spans = [span for chain in CHAIN.finditer(part) for span in _chain_spans(part, chain)]
        if spans:
            found = True
            kept, cursor = [], 0
            for start, end in _merged(spans):
                kept.append(part[cursor:start])
                kept.append(REMOVED)
                cursor = end
            kept.append(part[cursor:])
            parts[index] = "".join(kept)
    return "".join(parts) if found else text


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


def card_numbers_refuse(value: Any, *, where: str = "request", limit: int = BODY_SCAN_LIMIT):
    """Raise ``FullCardNumberRefused`` if any field of ``value`` holds a full card number,
    ``TooMuchToCheck`` if its strings hold more than ``limit`` characters."""
    read = 0
    for path, text in _strings(value):
        read += len(text)
        if read > limit:
            raise TooMuchToCheck(
                f"The {where} holds more than {limit} characters of text; nothing was stored."
            )
        if contains_full_card_number(text):
            # The field's name must not repeat the number either (it may be a JSON key).
            shown = "a field name" if contains_full_card_number(path) else path
            field = f" in “{shown}”" if shown else ""
            raise FullCardNumberRefused(
                f"A full card number was sent{field} of the {where}. Card numbers are never "
                "accepted: send only the masked number (e.g. ************1111). "
                "Nothing was stored."
            )
