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

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from baskets.access import ApiRight
from baskets.api.serializers import StorefrontBasketSerializer
from baskets.models import Line, ShopAccount
from baskets.selectors import guid_parse

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
