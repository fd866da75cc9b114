"""The API's shapes: baskets and lines out (SPEC section 8), storefront input in (API-2).

Serializers validate input and shape output, nothing more; views call the services.
"""

from datetime import UTC
from typing import Any

from django.conf import settings
from django.utils.http import quote_etag
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, inline_serializer
from rest_framework import serializers

from ..access import ApiRight, api_rights
from ..currencies import amount_format
from ..links import basket_url
from ..models import Basket, Line, PaymentResult
from ..personal_data import path_is_personal
from ..selectors import basket_addresses_for_shopper
from ..services.storefront_errors import StorefrontInputError


class CurrencyAmountField(serializers.DecimalField):
    """SH-2: an amount with exactly its currency's digits ("174" JPY, "10.50" EUR). The
    currency is the basket's; ``represent`` serves the API's fast reads the same way."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, read_only=True, **kwargs)

    @staticmethod
    def currency_of(instance) -> str:
        return instance.basket.currency if isinstance(instance, Line) else instance.currency

    def get_attribute(self, instance):
        return super().get_attribute(instance), self.currency_of(instance)

    def to_representation(self, value):
        amount, currency = value
        return self.represent(amount, currency)

    @staticmethod
    def represent(amount, currency: str) -> str:
        return amount_format(amount, currency)


class LineSerializer(serializers.ModelSerializer):
    unit_price = CurrencyAmountField()

    class Meta:
        model = Line
        fields = (
            "id",
            "kind",
            "product_id",
            "variant_id",
            "quantity",
            "unit_of_measure_id",
            "unit_price",
            "booked_user_id",
        )


class BasketSummarySerializer(serializers.ModelSerializer):
    total = CurrencyAmountField()
    created_at = serializers.DateTimeField(read_only=True)
    modified_at = serializers.DateTimeField(read_only=True)
    recovery_url = serializers.SerializerMethodField()

    class Meta:
        model = Basket
        fields = (
            "guid",
            "status",
            "stage",
            "account_type",
            "booking_id",
            "created_at",
            "modified_at",
            "total",
            "currency",
            "recovery_url",
        )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None:
            return fields  # the schema: every field, restricted ones optional
        granted = api_rights(request.user)
        for right, names in FIELDS_BY_RIGHT.items():
            if right not in granted:
                for name in names:
                    fields.pop(name, None)
        return fields

    def get_recovery_url(self, basket: Basket) -> str:
        """RL-8: the same absolute link (BasketUrl) the reminder e-mails hold."""
        return basket_url(basket.guid)


class BasketSerializer(BasketSummarySerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta(BasketSummarySerializer.Meta):
        fields = (
            *BasketSummarySerializer.Meta.fields,
            "booking_id",
            "billing_object",
            "purchaser_label",
            "purchaser_type",
            "purchaser_id",
            "booked_user_id",
            "coupon_codes",
            "gift_card_codes",
            "delivery_method",
            "payment_method",
            "location",
            "lines",
        )


# AC-2: fields only some clients get; the schema lists them as optional. Which fields of a
# basket are personal data is AC-1's one rule (``baskets.personal_data``).
FIELDS_BY_RIGHT: dict[ApiRight, tuple[str, ...]] = {
    ApiRight.CODES: ("recovery_url", "coupon_codes", "gift_card_codes"),
    ApiRight.PERSONAL_DATA: tuple(
        name for name in BasketSerializer.Meta.fields if path_is_personal(Basket, name)
    ),
}
RESTRICTED_FIELDS = frozenset(name for names in FIELDS_BY_RIGHT.values() for name in names)


class StorefrontBasketSerializer(BasketSerializer):
    """What a storefront needs to carry a (recovered) basket on to checkout (RL-1, IN-5):
    the basket plus user values, the addresses the shopper may see, order comment, e-mail.
    For storefront clients only; status readers get ``BasketSerializer``."""

    payment_address = serializers.SerializerMethodField()
    delivery_address = serializers.SerializerMethodField()

    class Meta(BasketSerializer.Meta):
        fields = (
            *BasketSerializer.Meta.fields,
            "user_values",
            "payment_address",
            "delivery_address",
            "order_comment",
            "email",
        )

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_payment_address(self, basket: Basket) -> dict:
        return basket_addresses_for_shopper(basket).payment_address

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_delivery_address(self, basket: Basket) -> dict:
        return basket_addresses_for_shopper(basket).delivery_address


class BasketStatusSerializer(serializers.Serializer):
    guid = serializers.UUIDField()
    status = serializers.CharField()
    stage = serializers.CharField()
    modified_at = serializers.DateTimeField()


def basket_etag(*, guid, status_value: str, modified_at) -> str:
    # AC-4 refuses a request whose headers hold 13-19 digits that pass the Luhn check, so the
    # If-None-Match sent back must never look like one: as "1795856400.000008" (seconds and
    # microseconds split by a dot), one ETag in ten did. The letter "T" splits the date (8
    # digits) from the time to the microsecond (12 digits), and the GUID is never checked.
    changed = modified_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return quote_etag(f"{guid}-{status_value}-{changed}")


MAX_QUANTITY = 9999  # far above any real basket line; keeps totals inside the column


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY})
class QuantityField(serializers.Field):
    default_error_messages = {
        "invalid": f"Quantity must be a whole number from 1 to {MAX_QUANTITY}.",
        "null": f"Quantity must be a whole number from 1 to {MAX_QUANTITY}.",
        "required": "Quantity is required.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_QUANTITY:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class JsonObjectField(serializers.DictField):
    """A flat JSON object of short strings (addresses, user values)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=500, allow_blank=True), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if len(value) > 50:
            raise serializers.ValidationError("at most 50 keys.")
        if any(len(key) > 100 for key in value):
            raise serializers.ValidationError("keys are at most 100 characters.")
        return value


class BasketCreateInput(serializers.Serializer):
    shop_account = serializers.CharField(required=False, help_text="shop account GUID")
    customer_account = serializers.CharField(
        required=False, max_length=40, help_text="ERP account ID"
    )
    salesperson = serializers.CharField(
        required=False, help_text="the salesperson's shop account GUID"
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        help_text="one of the shop's currencies (SHOP_CURRENCIES); the first when left out",
    )
    location = serializers.CharField(required=False, max_length=60, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        default="",
        help_text="PV-5: the shopper's language (en, da, nl, de) for shopper pages and mails",
    )


class LineAddInput(serializers.Serializer):
    product_id = serializers.CharField(max_length=40)
    variant_id = serializers.CharField(max_length=40, required=False, default="")
    quantity = QuantityField()
    booked_user_id = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class LineChangeInput(serializers.Serializer):
    quantity = QuantityField()


class CodeInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)


class CheckoutInput(serializers.Serializer):
    payment_address = JsonObjectField(required=False)
    delivery_address = JsonObjectField(required=False)
    delivery_method = serializers.CharField(max_length=60, required=False, allow_blank=True)
    payment_method = serializers.CharField(max_length=60, required=False, allow_blank=True)
    location = serializers.CharField(max_length=60, required=False, allow_blank=True)
    user_values = JsonObjectField(required=False)
    order_comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="the shopper's e-mail; how a guest is reached about an abandoned basket",
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="PV-5: the shopper's language (en, da, nl, de) for shopper pages and mails",
    )
    marketing_consent = serializers.BooleanField(
        required=False,
        help_text="PV-1: the shopper's answer to the reminder/marketing e-mail consent question",
    )
    marketing_consent_source = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="where the consent was given (e.g. checkout-form); default: the API client",
    )


class StageInput(serializers.Serializer):
    stage = serializers.CharField(max_length=40)
    purchaser_label = serializers.CharField(max_length=200, required=False, default="")


class PaymentInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=PaymentResult.Result.choices)
    # AC-2: must be the basket's total and currency, or the result is not applied.
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, coerce_to_string=False
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3)
    provider_reference = serializers.CharField(max_length=100, required=False, default="")
    masked_card_number = serializers.CharField(
        max_length=25, required=False, allow_blank=True, default=""
    )


PaymentOutput = inline_serializer(
    "PaymentResultAnswer",
    {
        "guid": serializers.UUIDField(),
        "status": serializers.CharField(),
        "result": serializers.CharField(),
        "outcome": serializers.CharField(),
        "detail": serializers.CharField(),
    },
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="A repeated key replays the first answer and changes nothing.",
)


def validated(input_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The serializer's data, or a 400 naming the first bad field; unknown fields refused."""
    if not isinstance(data, dict):
        raise StorefrontInputError("The request body must be a JSON object.", code="invalid_body")
    unknown = sorted(set(data) - set(input_class().fields))
    if unknown:
        raise StorefrontInputError(
            f"Unknown field(s): {', '.join(map(str, unknown))[:200]}.", code="unknown_field"
        )
    serializer = input_class(data=data)
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        message = errors[0] if isinstance(errors, list) else next(iter(errors.values()))[0]
        raise StorefrontInputError(f"{field}: {message}", code=f"invalid_{field}")
    return dict(serializer.validated_data)
