"""SH-1: the shop's records, one shape per kind, shared by the sync API and ``shop_import``.

A record is validated here into plain values (the same whether it came as JSON or as a CSV
row), so the sync service compares it with the stored row field by field.
"""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from baskets.currencies import amount_fits, shop_currencies
from baskets.models import ItemKind, PurchaserType

KEY_LENGTH = 40


class PricesField(serializers.DictField):
    """SH-2: ``{"EUR": "10.00", "JPY": "1500"}``: the shop's currencies, each amount to its
    currency's minor unit."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0),
            **kwargs,
        )

    def to_internal_value(self, data):
        prices: dict[str, Decimal] = super().to_internal_value(data)
        currencies = shop_currencies()
        for currency, amount in prices.items():
            if currency not in currencies:
                raise serializers.ValidationError(
                    f"{str(currency)[:10]} is not one of the shop's currencies "
                    f"({', '.join(currencies)}).",
                    code="unsupported_currency",
                )
            if not amount_fits(amount, currency):
                raise serializers.ValidationError(
                    f"{amount} has more decimals than {currency} has.", code="invalid_price"
                )
        return dict(sorted(prices.items()))


class ShopRecord(serializers.Serializer):
    """What every kind carries: whether it is active, and the shop's own change time."""

    active = serializers.BooleanField(default=True)
    updated_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ProductRecord(ShopRecord):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ItemKind.choices, default=ItemKind.PRODUCT)
    unit_of_measure_id = serializers.CharField(max_length=10, default="EA")
    prices = PricesField(default=dict)


class VariantRecord(ShopRecord):
    product_id = serializers.CharField(max_length=KEY_LENGTH)
    name = serializers.CharField(max_length=200)
    prices = PricesField(default=dict)


class CustomerAccountRecord(ShopRecord):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254, allow_blank=True, default="")
    purchaser_type = serializers.ChoiceField(
        choices=PurchaserType.choices, default=PurchaserType.ACCOUNT
    )
    is_prospect = serializers.BooleanField(default=False)


class ShopAccountRecord(ShopRecord):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    customer_account = serializers.CharField(
        max_length=KEY_LENGTH,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="the ERP account ID of its customer account",
    )

    def validate_customer_account(self, value):
        return value or None


class SalespersonRecord(ShopRecord):
    related_customers = serializers.ListField(
        child=serializers.CharField(max_length=KEY_LENGTH), default=list, max_length=10_000
    )
    selected_customer = serializers.CharField(
        max_length=KEY_LENGTH,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="the ERP account ID of the customer the salesperson acts for now",
    )

    def validate_related_customers(self, value):
        return sorted(set(value))

    def validate_selected_customer(self, value):
        return value or None


class CouponRecord(ShopRecord):
    percent_off = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100")
    )
    valid_from = serializers.DateTimeField(allow_null=True, default=None)
    valid_until = serializers.DateTimeField(allow_null=True, default=None)


class GiftCardRecord(ShopRecord):
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Z]{3}$")
    valid_until = serializers.DateTimeField(allow_null=True, default=None)

    def validate(self, attrs):
        currencies = shop_currencies()
        if attrs["currency"] not in currencies:
            raise serializers.ValidationError(
                {"currency": f"{attrs['currency']} is not one of the shop's currencies."},
                code="unsupported_currency",
            )
        if not amount_fits(attrs["balance"], attrs["currency"]):
            raise serializers.ValidationError(
                {"balance": f"more decimals than {attrs['currency']} has."}, code="invalid_price"
            )
        return attrs


def first_error(errors: Any) -> tuple[str, str]:
    """(code, message) of the first error of a serializer, e.g. ("invalid_name", "name: ...")."""
    field, detail = next(iter(errors.items()))
    while isinstance(detail, dict):
        field, detail = next(iter(detail.items()))
    while isinstance(detail, list):
        detail = detail[0]
    code = getattr(detail, "code", "invalid")
    if code in ("unsupported_currency", "invalid_price"):
        return code, f"{field}: {detail}"
    name = "item" if field == "non_field_errors" else field
    return f"invalid_{name}", f"{name}: {detail}"
