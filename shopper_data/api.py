"""PV-3 for the shop: erase a shopper, export what is kept about them (Storefront client)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from baskets.access import ApiRight
from baskets.api.serializers import validated
from baskets.api.storefront import StorefrontView

from .exceptions import ShopperDataError, ShopperNotFound
from .selectors import shopper_get
from .services import shopper_erase, shopper_export


def _shopper(**identity):
    try:
        return shopper_get(**identity)
    except ShopperNotFound as error:
        raise NotFound(str(error)) from None
    except ShopperDataError as error:
        raise ValidationError({"detail": str(error), "code": "invalid_identity"}) from None


class ErasureInput(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254, help_text="a guest's e-mail")
    shop_account = serializers.CharField(
        required=False, max_length=60, help_text="the shop account's ID (GUID)"
    )
    reason = serializers.CharField(required=False, max_length=500, allow_blank=True)


class ErasureOutput(serializers.Serializer):
    erasure_id = serializers.IntegerField(source="pk")
    erased_at = serializers.DateTimeField()
    kind = serializers.CharField()
    basket_guids = serializers.ListField(child=serializers.UUIDField())
    rows = serializers.DictField(child=serializers.IntegerField())


class ErasureCreateView(StorefrontView):
    """Erase one shopper (``email`` or ``shop_account``): their names, e-mails, phones,
    addresses, user values and comments are replaced by ``[erased]`` everywhere; orders keep
    their amounts. A ``shopper.erased`` webhook event follows."""

    @extend_schema(request=ErasureInput, responses={201: ErasureOutput})
    def post(self, request):
        data = validated(ErasureInput, request.data)
        shopper = _shopper(email=data.get("email", ""), shop_account=data.get("shop_account", ""))
        erasure = shopper_erase(shopper=shopper, actor=self.actor(), reason=data.get("reason", ""))
        return Response(ErasureOutput(erasure).data, status=status.HTTP_201_CREATED)


class ExportView(APIView):
    """Everything kept about one shopper as one JSON document: accounts, baskets with lines
    and addresses, abandonments, reminders, consent and orders."""

    required_rights = {"GET": ApiRight.PERSONAL_DATA}

    @extend_schema(
        parameters=[
            OpenApiParameter("email", str, description="a guest's e-mail"),
            OpenApiParameter("shop_account", str, description="the shop account's ID (GUID)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - {"email", "shop_account"})
        if unknown:
            raise ValidationError(
                {"detail": f"Unknown parameter(s): {', '.join(unknown)[:200]}.", "code": "invalid"}
            )
        shopper = _shopper(
            email=request.query_params.get("email", ""),
            shop_account=request.query_params.get("shop_account", ""),
        )
        return Response(shopper_export(shopper=shopper))
