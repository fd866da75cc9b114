"""IN-5: the storefront asks which basket a shopper holds now, and their list, so that a
recovered basket continues to checkout in the shop.

``GET /api/shoppers/<shop account GUID>/baskets/`` for a login and
``GET /api/visitors/<visitor reference>/baskets/`` for an anonymous visitor (the signed
reference ``recovery.links.visitor_reference`` puts in the shop's checkout URL as
``{visitor}``). For Storefront clients, and staff who may view baskets.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from baskets.api.serializers import StorefrontBasketSerializer
from baskets.models import Line, ShopAccount
from baskets.selectors import guid_parse

from .links import visitor_reference_read
from .selectors import shopper_baskets
from .shoppers import Shopper

STOREFRONT_GROUP = "Storefront"


class StorefrontClient(BasePermission):
    """Users in the "Storefront" client group, or staff allowed to view baskets."""

    message = "Only the storefront client may read a shopper's baskets."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if user.is_staff and user.has_perm("baskets.view_basket"):
            return True
        return user.groups.filter(name=STOREFRONT_GROUP).exists()


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
    permission_classes = [StorefrontClient]

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
