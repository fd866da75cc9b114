"""Masked card numbers (LC-3, AC-4): what a provider may show of a card.

Full card numbers are found, refused and redacted by ``security.cards``.
"""

import unicodedata

from .storefront_errors import StorefrontInputError

# A masked number: digits, mask characters and separators; compared by position below.
MASK_CHARACTERS = frozenset("*xX•#")
MASK_SEPARATORS = frozenset(" -")
MASKED_CLEAR_FIRST, MASKED_CLEAR_LAST = 6, 4


def masked_card_validate(value: str) -> str:
    """A masked card number as shown by the provider, or ``StorefrontInputError``: digits in
    clear only among the first 6 and the last 4 positions of the number, the rest masked."""
    value = unicodedata.normalize("NFKC", value).strip()
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
