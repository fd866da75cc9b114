"""Currencies (SH-2): the ISO 4217 codes a shop may sell in, and how each one rounds.

The code list and minor units come from the ``iso4217`` package, which ships the table the
standard's maintenance agency publishes. A code counts as a currency here when that table
gives it a minor unit: the "X" codes without one (``XXX`` no currency, ``XTS`` testing,
``XAU`` gold, ``XDR`` special drawing rights, ...) are not money a basket can be priced in.

The shop's own currencies are the live setting ``SHOP_CURRENCIES`` (comma-separated, the
first is the default for a new basket and for prices given without a currency).
"""

from decimal import ROUND_HALF_UP, Decimal

import iso4217
from django import forms
from django.conf import settings
from django.core import checks

from basketops.business import business_setting


def _minor_units() -> dict[str, int]:
    units = {}
    for currency in iso4217.Currency:
        if currency.exponent is not None:
            units[currency.code] = currency.exponent
    return units


# ISO 4217 code -> digits after the decimal point (EUR 2, JPY 0, BHD 3).
MINOR_UNITS: dict[str, int] = _minor_units()
# Amounts are stored to the cent (``DecimalField(decimal_places=2)``), so a currency with
# three digits (BHD, KWD, ...) cannot be a shop currency.
STORED_DIGITS = 2


class UnknownCurrency(ValueError):
    """Not an ISO 4217 currency (or one without a minor unit, such as ``XXX``)."""


def currency_is_known(code: str) -> bool:
    return code in MINOR_UNITS


def currency_minor_unit(code: str) -> int:
    """Digits after the decimal point of ``code``; ``UnknownCurrency`` for anything else."""
    try:
        return MINOR_UNITS[code]
    except KeyError:
        raise UnknownCurrency(f"“{str(code)[:10]}” is not an ISO 4217 currency code.") from None


def amount_round(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded (half up) to the minor unit of ``currency``: 174.43 JPY -> 174.
    A code outside the table (a basket older than the check) keeps two digits."""
    digits = MINOR_UNITS.get(currency, 2)
    return Decimal(amount).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def amount_fits(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` needs no more digits than ``currency`` has (174.43 JPY does not)."""
    return amount == amount_round(amount, currency)


def amount_format(amount: Decimal, currency: str) -> str:
    """``amount`` as text with exactly the currency's digits: "174" JPY, "10.50" EUR. An
    unknown code (an old row) keeps two digits rather than failing a read."""
    return f"{amount_round(amount, currency):f}"


def amount_text_sql(amount: str, currency: str) -> str:
    """SQL for ``amount`` as text with the digits of the currency in the column
    ``currency`` (what ``amount_format`` gives), for JSON built in the database. Only the
    codes whose digits are not two are listed, from the table above, never from input."""
    cases = " ".join(
        f"WHEN '{code}' THEN {digits}"
        for code, digits in sorted(MINOR_UNITS.items())
        if digits < STORED_DIGITS and code.isalpha() and code.isupper()
    )
    return f"round({amount}, CASE {currency} {cases} ELSE {STORED_DIGITS} END)::text"


def currency_list_parse(value: str | list | tuple) -> list[str]:
    """A list of currency codes from "EUR, usd" or a list; ``UnknownCurrency`` names every
    code that is not an ISO 4217 currency; an empty list is refused too."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = list(dict.fromkeys(str(item).strip().upper() for item in items if str(item).strip()))
    unknown = [code for code in codes if not currency_is_known(code)]
    if unknown:
        raise UnknownCurrency(
            f"Not ISO 4217 currency codes: {', '.join(code[:10] for code in unknown)[:200]}."
        )
    finer = [code for code in codes if MINOR_UNITS[code] > STORED_DIGITS]
    if finer:
        raise UnknownCurrency(
            f"{', '.join(finer)[:200]}: more than {STORED_DIGITS} decimals, and amounts are "
            f"kept to {STORED_DIGITS}."
        )
    if not codes:
        raise UnknownCurrency("At least one currency is needed.")
    return codes


def shop_currencies() -> list[str]:
    """The shop's currencies now (live setting ``SHOP_CURRENCIES``), the default first."""
    return currency_list_parse(business_setting("SHOP_CURRENCIES"))


def shop_default_currency() -> str:
    return shop_currencies()[0]


class CurrencyListField(forms.CharField):
    """The admin's field for ``SHOP_CURRENCIES``: ISO 4217 codes, kept as "EUR, JPY"."""

    def clean(self, value):
        value = super().clean(value)
        try:
            codes = currency_list_parse(value or "")
        except UnknownCurrency as error:
            raise forms.ValidationError(str(error), code="invalid") from error
        return ", ".join(codes)


@checks.register(checks.Tags.compatibility)
def shop_currencies_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Startup refuses a ``SHOP_CURRENCIES`` environment value that is not ISO 4217."""
    try:
        currency_list_parse(settings.SHOP_CURRENCIES)
    except UnknownCurrency as error:
        return [
            checks.Error(
                f"SHOP_CURRENCIES: {error}",
                hint="Give ISO 4217 codes with a minor unit, comma-separated, e.g. EUR,JPY.",
                id="baskets.E001",
            )
        ]
    return []
