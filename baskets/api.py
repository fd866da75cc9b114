"""REST API (SPEC section 6 and 8): basket status and lists for storefronts and pollers."""

import logging

from django.utils.http import quote_etag
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from recovery.links import basket_url

from .api_status import basket_status_fast, token_key
from .exceptions import BasketError
from .filters import BasketFilterSet
from .models import Basket, Line
from .selectors import basket_get, basket_list, guid_parse

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Domain errors become 4xx JSON with ``detail`` and ``code``; the rest as DRF does."""
    if isinstance(exc, BasketError):
        if exc.basket_id is not None:
            logger.info("refused basket %s: %s", exc.basket_id, exc.message)
        return Response({"detail": exc.message, "code": exc.code}, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    return response


class LineSerializer(serializers.ModelSerializer):
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
            "created_at",
            "modified_at",
            "total",
            "currency",
            "recovery_url",
        )

    def get_recovery_url(self, basket: Basket) -> str:
        """RL-8: the same absolute link (BasketUrl) the reminder e-mails hold."""
        return basket_url(basket.guid)


class BasketSerializer(BasketSummarySerializer):
    lines = LineSerializer(many=True, read_only=True)

    class Meta(BasketSummarySerializer.Meta):
        fields = (
            *BasketSummarySerializer.Meta.fields,
            "booking_id",
            "purchaser_label",
            "coupon_codes",
            "gift_card_codes",
            "delivery_method",
            "payment_method",
            "location",
            "lines",
        )


class BasketStatusSerializer(serializers.Serializer):
    guid = serializers.UUIDField()
    status = serializers.CharField()
    stage = serializers.CharField()
    modified_at = serializers.DateTimeField()


def basket_etag(*, guid, status_value: str, modified_at) -> str:
    return quote_etag(f"{guid}-{status_value}-{modified_at.timestamp():.6f}")


class BasketCursorPagination(CursorPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")


class BasketListView(generics.ListAPIView):
    """API-1: baskets with the admin's filters, cursor-paginated (no offsets)."""

    serializer_class = BasketSummarySerializer
    filterset_class = BasketFilterSet
    pagination_class = BasketCursorPagination

    def get_queryset(self):
        return basket_list()


class BasketDetailView(APIView):
    """One basket with its lines; answers 304 to a matching If-None-Match."""

    @extend_schema(responses=BasketSerializer)
    def get(self, request, guid: str):
        parsed = guid_parse(guid)
        head = Basket.objects.filter(guid=parsed).values("status", "modified_at").first()
        if head is None:
            raise NotFound(f"No basket with GUID {parsed}.")
        etag = basket_etag(
            guid=parsed, status_value=head["status"], modified_at=head["modified_at"]
        )
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        basket = basket_get(guid=parsed)
        data = BasketSerializer(basket, context={"request": request}).data
        return Response(data, headers={"ETag": etag})


class BasketStatusView(APIView):
    """The cheapest read a poller can make: status and stage by GUID, one indexed query.

    Token clients take ``api_status.basket_status_fast`` (token and basket in one query);
    this view answers the others (session logins, the browsable API) and documents both.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and token_key(request) is not None:
            return basket_status_fast(request, kwargs["guid"])
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(responses=BasketStatusSerializer)
    def get(self, request, guid: str):
        parsed = guid_parse(guid)
        row = (
            Basket.objects.filter(guid=parsed)
            .values("guid", "status", "stage", "modified_at")
            .first()
        )
        if row is None:
            raise NotFound(f"No basket with GUID {parsed}.")
        etag = basket_etag(guid=parsed, status_value=row["status"], modified_at=row["modified_at"])
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(BasketStatusSerializer(row).data, headers={"ETag": etag})
