"""Storefront API of completion (AB-5): entering the upsell offer starts its timer."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from baskets.api.serializers import validated
from baskets.api.storefront import StorefrontView
from baskets.services.storefront.holds import basket_id_for_write

from .services import upsell_enter


class UpsellEnterInput(serializers.Serializer):
    payment_token = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{1,100}$",
        help_text="the payment gateway's token for the shopper's card; never a card number",
        error_messages={"invalid": "must be the gateway's token: 1-100 letters, digits, _.:-"},
    )


class UpsellOfferOutput(serializers.Serializer):
    guid = serializers.UUIDField(source="basket.guid")
    entered_at = serializers.DateTimeField()
    finalise_at = serializers.DateTimeField()


class UpsellEnterView(StorefrontView):
    """The shopper entered the upsell offer: the order is finalised as it stands when the
    timer (``UPSELL_FINALISE_AFTER``, 45 minutes) runs out, unless they finish first."""

    @extend_schema(request=UpsellEnterInput, responses={201: UpsellOfferOutput})
    def post(self, request, guid: str):
        data = validated(UpsellEnterInput, request.data)
        offer = upsell_enter(
            basket_id=basket_id_for_write(guid),
            actor=self.actor(),
            payment_token=data["payment_token"],
        )
        return Response(UpsellOfferOutput(offer).data, status=status.HTTP_201_CREATED)
