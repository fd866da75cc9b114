"""Amounts in a currency's minor units (cents), as Stripe sends and takes them.

Stripe's own table, not ISO 4217's (``baskets.currencies``): Stripe counts a few
currencies differently (ISK in hundredths, for instance), and its amounts are
only read right with its table."""

from decimal import Decimal

# ISO 4217 currencies whose minor unit is not the cent (Stripe's own lists).
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = frozenset("BHD JOD KWD OMR TND".split())


def _exponent(currency: str) -> int:
    currency = currency.upper()
    if currency in _ZERO_DECIMAL:
        return 0
    return 3 if currency in _THREE_DECIMAL else 2


def amount_from_minor(value: int, currency: str) -> Decimal:
    """12345 EUR -> Decimal('123.45'); 500 JPY -> Decimal('500')."""
    return Decimal(int(value)).scaleb(-_exponent(currency))


def amount_to_minor(amount: Decimal, currency: str) -> int:
    """Decimal('123.45') EUR -> 12345."""
    return int(amount.scaleb(_exponent(currency)).to_integral_value())
