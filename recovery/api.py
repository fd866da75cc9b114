"""IN-5: the storefront asks which basket a shopper holds now, and their list, so that a
recovered basket continues to checkout in the shop.

``GET /api/shoppers/<shop account GUID>/baskets/`` for a login and
``GET /api/visitors/<visitor reference>/baskets/`` for an anonymous visitor (the signed
reference ``recovery.links.visitor_reference`` puts in the shop's checkout URL as
``{visitor}``). The answer holds the shopper's e-mail and addresses, so it needs the
personal-data right of ``baskets.access`` (AC-1, AC-2): the Storefront client and staff who
may see personal data; Status readers, Payment providers, Order processors and shoppers are
refused by the API's default ``ClientRights``.
"""

from urllib.parse import urlsplit

from django.db.models import Prefetch
from django.urls import resolve
from django.urls.exceptions import Resolver404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from baskets.access import ApiRight
from baskets.api.serializers import StorefrontBasketSerializer
from baskets.models import CustomerAccount, Line, Salesperson, ShopAccount
from baskets.selectors import guid_parse

from .handover import (
    HandoverRefused,
    salesperson_customer_select,
    shopper_handover_create,
)
from .links import visitor_reference_read
from .selectors import shopper_baskets
from .shoppers import Shopper


class ShopperBasketEntrySerializer(serializers.Serializer):
    current = serializers.SerializerMethodField()
    added_at = serializers.DateTimeField()
    activated_at = serializers.DateTimeField()
    deactivated_at = serializers.DateTimeField()
    basket = StorefrontBasketSerializer()

    def get_current(self, entry) -> bool:
        return entry.deactivated_at is None


class ShopperBasketsSerializer(serializers.Serializer):
    current = StorefrontBasketSerializer(allow_null=True)
    baskets = ShopperBasketEntrySerializer(many=True)


class ShopperBasketsView(APIView):
    required_rights = {"GET": ApiRight.PERSONAL_DATA, "OPTIONS": ApiRight.PERSONAL_DATA}

    def shopper(self, key: str) -> Shopper:
        raise NotImplementedError

    def get(self, request, key: str):
        entries = list(
            shopper_baskets(self.shopper(key)).prefetch_related(
                Prefetch("basket__lines", queryset=Line.objects.order_by("id"))
            )
        )
        current = next((entry.basket for entry in entries if entry.deactivated_at is None), None)
        body = ShopperBasketsSerializer(
            {"current": current, "baskets": entries}, context={"request": request}
        ).data
        return Response(body)


class ShopAccountBasketsView(ShopperBasketsView):
    """A login's current basket and list (RL-6: with multiple baskets, the inactive ones)."""

    def shopper(self, key: str) -> Shopper:
        account = ShopAccount.objects.filter(guid=guid_parse(key)).first()
        if account is None:
            raise NotFound("No shop account with that GUID.")
        return Shopper(shop_account=account)

    @extend_schema(responses=ShopperBasketsSerializer)
    def get(self, request, key: str):
        return super().get(request, key)


class VisitorBasketsView(ShopperBasketsView):
    """An anonymous visitor's current basket and list, by the signed visitor reference."""

    def shopper(self, key: str) -> Shopper:
        token = visitor_reference_read(key)
        if token is None:
            # Forged, mangled or guessed: the same answer as for a visitor we do not know.
            raise NotFound("No visitor with that reference.")
        return Shopper(visitor_token=token)

    @extend_schema(responses=ShopperBasketsSerializer)
    def get(self, request, key: str):
        return super().get(request, key)


# SH-3: where a hand-over may lead: the shopper pages, nothing else (no open redirect).
HANDOVER_NEXT_VIEWS = frozenset({"recovery:basket", "recovery:recover"})


class HandoverRequestSerializer(serializers.Serializer):
    """Exactly one shopper: a login, a customer account, or a salesperson (with the customer
    they have selected in the shop, null for none)."""

    shop_account = serializers.UUIDField(required=False, help_text="The login's GUID.")
    customer_account = serializers.CharField(
        required=False, max_length=40, help_text="The customer account's ERP account ID."
    )
    salesperson = serializers.UUIDField(
        required=False, help_text="The salesperson's login (shop account) GUID."
    )
    selected_customer = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=40,
        help_text="With salesperson: the ERP account ID of the customer selected now.",
    )
    next = serializers.CharField(
        required=False,
        max_length=200,
        help_text="A shopper page path to land on: /basket/ (default) or a recovery link.",
    )

    def validate_next(self, value: str) -> str:
        parts = urlsplit(value)
        match = None
        if not parts.scheme and not parts.netloc and parts.path.startswith("/"):
            try:
                match = resolve(parts.path)
            except Resolver404:
                match = None
        if match is None or match.view_name not in HANDOVER_NEXT_VIEWS:
            raise ValidationError("Must be /basket/ or a recovery link path.")
        return value

    def validate(self, data):
        shoppers = ("shop_account", "customer_account", "salesperson")
        given = [name for name in shoppers if name in data]
        if len(given) != 1:
            raise ValidationError(
                "Give exactly one of shop_account, customer_account or salesperson."
            )
        if "selected_customer" in data and "salesperson" not in data:
            raise ValidationError({"selected_customer": "Only with salesperson."})
        return data


class HandoverSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="One-time sign-in URL, good for 60 seconds.")


class ShopperHandoverView(APIView):
    """SH-3: a one-time URL (60 s) that signs the shop's logged-in shopper in to the shopper
    pages; the shop sends the shopper's browser there. Storefront only."""

    required_rights = {"POST": ApiRight.WRITE, "OPTIONS": ApiRight.WRITE}

    @extend_schema(request=HandoverRequestSerializer, responses={201: HandoverSerializer})
    def post(self, request):
        given = HandoverRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        account = customer = None
        if "shop_account" in data:
            account = ShopAccount.objects.filter(guid=data["shop_account"]).first()
            if account is None:
                raise NotFound("No shop account with that GUID.")
        elif "customer_account" in data:
            customer = CustomerAccount.objects.filter(
                erp_account_id=data["customer_account"]
            ).first()
            if customer is None:
                raise NotFound("No customer account with that ERP account ID.")
        else:
            salesperson = (
                Salesperson.objects.select_related("shop_account")
                .filter(shop_account__guid=data["salesperson"])
                .first()
            )
            if salesperson is None:
                raise NotFound("No salesperson with that shop account GUID.")
            if "selected_customer" in data:
                selected = None
                if data["selected_customer"] is not None:
                    selected = CustomerAccount.objects.filter(
                        erp_account_id=data["selected_customer"]
                    ).first()
                    if selected is None:
                        raise ValidationError(
                            {"selected_customer": "No customer account with that ERP account ID."}
                        )
                try:
                    salesperson_customer_select(salesperson=salesperson, customer=selected)
                except HandoverRefused as refusal:
                    raise ValidationError({"selected_customer": str(refusal)}) from refusal
            account = salesperson.shop_account
        url = shopper_handover_create(
            shop_account=account, customer_account=customer, next_path=data.get("next", "")
        )
        return Response(HandoverSerializer({"url": url}).data, status=201)
