"""Storefront write API (SPEC API-2, API-3): views validate the shape, services decide.

Every request body must be a JSON object. Any field holding a full card number is refused
before anything else happens (the refusal never repeats it). Errors are JSON
``{detail, code}`` through ``baskets.api.errors.exception_handler``.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from security.cards import card_numbers_refuse

from ..access import ApiRight
from ..selectors import basket_get
from ..services import payments, storefront
from ..services.actors import Actor
from ..services.storefront_errors import StorefrontInputError
from .parsers import JSONParser
from .read import BasketListView
from .serializers import (
    IDEMPOTENCY_KEY,
    BasketCreateInput,
    CheckoutInput,
    CodeInput,
    LineAddInput,
    LineChangeInput,
    PaymentInput,
    PaymentOutput,
    StageInput,
    StorefrontBasketSerializer,
    validated,
)


class StorefrontView(APIView):
    """JSON in, JSON out; full card numbers refused in the body, the URL and the headers."""

    parser_classes = [JSONParser]
    required_rights = {
        "POST": ApiRight.WRITE,
        "PATCH": ApiRight.WRITE,
        "DELETE": ApiRight.WRITE,
        "OPTIONS": ApiRight.WRITE,
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        card_numbers_refuse(request.data)
        card_numbers_refuse(kwargs, where="address")
        card_numbers_refuse(request.query_params.dict(), where="address")
        card_numbers_refuse(request.headers.get("Idempotency-Key", ""), where="headers")

    def basket_response(self, guid, *, http_status: int = status.HTTP_200_OK) -> Response:
        basket = basket_get(guid=guid)
        return Response(
            StorefrontBasketSerializer(basket, context={"request": self.request}).data,
            status=http_status,
        )

    def actor(self) -> Actor:
        return Actor.api(self.request.user)


class BasketCollectionView(StorefrontView, BasketListView):
    """GET: the list (API-1). POST: create a basket (API-2)."""

    required_rights = {**StorefrontView.required_rights, "GET": ApiRight.READ}

    @extend_schema(request=BasketCreateInput, responses={201: StorefrontBasketSerializer})
    def post(self, request):
        data = validated(BasketCreateInput, request.data)
        owner = storefront.basket_owner_resolve(
            shop_account_guid=data.get("shop_account"),
            erp_account_id=data.get("customer_account"),
            salesperson_guid=data.get("salesperson"),
        )
        basket = storefront.basket_create(
            owner=owner,
            actor=self.actor(),
            currency=data.get("currency"),
            location=data["location"],
            language=data["language"],
        )
        return self.basket_response(basket.guid, http_status=status.HTTP_201_CREATED)


class LineListView(StorefrontView):
    @extend_schema(request=LineAddInput, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        data = validated(LineAddInput, request.data)
        basket = storefront.line_add(guid=guid, **data)
        return self.basket_response(basket.guid)


class LineDetailView(StorefrontView):
    @extend_schema(request=LineChangeInput, responses={200: StorefrontBasketSerializer})
    def patch(self, request, guid: str, line_id: int):
        data = validated(LineChangeInput, request.data)
        basket = storefront.line_change(guid=guid, line_id=line_id, quantity=data["quantity"])
        return self.basket_response(basket.guid)

    @extend_schema(request=None, responses={200: StorefrontBasketSerializer})
    def delete(self, request, guid: str, line_id: int):
        basket = storefront.line_remove(guid=guid, line_id=line_id)
        return self.basket_response(basket.guid)


class CouponListView(StorefrontView):
    @extend_schema(request=CodeInput, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        data = validated(CodeInput, request.data)
        basket = storefront.coupon_apply(guid=guid, code=data["code"])
        return self.basket_response(basket.guid)


class CouponDetailView(StorefrontView):
    @extend_schema(request=None, responses={200: StorefrontBasketSerializer})
    def delete(self, request, guid: str, code: str):
        basket = storefront.coupon_remove(guid=guid, code=code)
        return self.basket_response(basket.guid)


class GiftCardListView(StorefrontView):
    @extend_schema(request=CodeInput, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        data = validated(CodeInput, request.data)
        basket = storefront.gift_card_apply(guid=guid, code=data["code"])
        return self.basket_response(basket.guid)


class GiftCardDetailView(StorefrontView):
    @extend_schema(request=None, responses={200: StorefrontBasketSerializer})
    def delete(self, request, guid: str, code: str):
        basket = storefront.gift_card_remove(guid=guid, code=code)
        return self.basket_response(basket.guid)


class CheckoutView(StorefrontView):
    """Addresses, delivery and payment method, location, user values, order comment."""

    @extend_schema(request=CheckoutInput, responses={200: StorefrontBasketSerializer})
    def patch(self, request, guid: str):
        data = validated(CheckoutInput, request.data)
        if "marketing_consent" in data and not data.get("marketing_consent_source"):
            data["marketing_consent_source"] = f"api:{request.user.get_username()}"
        basket = storefront.basket_checkout_update(guid=guid, changes=data)
        return self.basket_response(basket.guid)


class StageView(StorefrontView):
    """Move the checkout one stage on (or back); Payment starts a payment attempt."""

    @extend_schema(request=StageInput, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        data = validated(StageInput, request.data)
        basket = storefront.basket_stage_move(
            guid=guid,
            stage=data["stage"],
            actor=self.actor(),
            purchaser_label=data["purchaser_label"],
        )
        return self.basket_response(basket.guid)


class PaymentReturnView(StorefrontView):
    """The shopper came back from the payment page."""

    @extend_schema(request=None, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        validated(serializers.Serializer, request.data)
        basket = storefront.basket_payment_return(guid=guid, actor=self.actor())
        return self.basket_response(basket.guid)


class ResumeView(StorefrontView):
    """Take a basket up again after staff unlocked it (starts a new storefront session)."""

    @extend_schema(request=None, responses={200: StorefrontBasketSerializer})
    def post(self, request, guid: str):
        validated(serializers.Serializer, request.data)
        basket = storefront.basket_resume(guid=guid, actor=self.actor())
        return self.basket_response(basket.guid)


class PaymentResultView(StorefrontView):
    """A payment result: paid, pending, failed or cancelled (masked card data only)."""

    required_rights = {"POST": ApiRight.PAYMENT_RESULT, "OPTIONS": ApiRight.PAYMENT_RESULT}

    @extend_schema(
        request=PaymentInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: PaymentOutput, 409: PaymentOutput},
    )
    def post(self, request, guid: str):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200 or not key.isprintable():
            raise StorefrontInputError(
                "Idempotency-Key must be at most 200 printable characters.",
                code="invalid_idempotency_key",
            )
        data = validated(PaymentInput, request.data)
        answer = payments.payment_result_record(
            guid=guid,
            result=data["result"],
            actor=self.actor(),
            amount=data["amount"],
            currency=data["currency"],
            provider_reference=data["provider_reference"],
            masked_card_number=data["masked_card_number"],
            idempotency_key=key,
        )
        return Response(answer.body, status=answer.http_status)
