"""REST API (SPEC section 6 and 8): basket status and lists for storefronts and pollers."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from ..access import ApiRight, api_rights
from ..exceptions import UnknownFilter
from ..filters import BASKET_FILTER_PARAMETERS, BasketFilterSet
from ..models import Basket
from ..selectors import basket_list, guid_parse
from ..services.storefront_errors import StorefrontInputError
from .fast_reads import basket_read_row, basket_representation
from .serializers import (
    BasketSerializer,
    BasketStatusSerializer,
    BasketSummarySerializer,
    basket_etag,
)


class BasketCursorPagination(CursorPagination):
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        """A cursor the API did not give out is bad input (400), not a missing page."""
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise StorefrontInputError(
                "cursor: not a cursor this API gave out; follow the next and previous links.",
                code="invalid_cursor",
            ) from error


class BasketListView(generics.ListAPIView):
    """API-1: baskets with the admin's filters, cursor-paginated (no offsets)."""

    required_rights = {"GET": ApiRight.READ, "OPTIONS": ApiRight.READ}
    serializer_class = BasketSummarySerializer
    filterset_class = BasketFilterSet
    pagination_class = BasketCursorPagination

    def get_queryset(self):
        return basket_list()

    def list(self, request, *args, **kwargs):
        """A parameter the list does not know is refused: ignoring it would answer with every
        basket, which a caller would take for the filtered list."""
        known = {*BASKET_FILTER_PARAMETERS, "cursor", "page_size", "format"}
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise UnknownFilter(
                f"Unknown query parameter(s): {', '.join(name[:40] for name in unknown)}. "
                f"Known: {', '.join(sorted(known))}."
            )
        return super().list(request, *args, **kwargs)


class BasketDetailView(APIView):
    """One basket with its lines; answers 304 to a matching If-None-Match.

    ``urls.py`` sends token clients to ``fast_reads`` (token and basket in one query)."""

    required_rights = {"GET": ApiRight.READ, "OPTIONS": ApiRight.READ}

    @extend_schema(responses=BasketSerializer)
    def get(self, request, guid: str):
        parsed = guid_parse(guid)
        row = basket_read_row(parsed)  # the basket and its lines, one query
        if row is None:
            raise NotFound(f"No basket with GUID {parsed}.")
        etag = basket_etag(guid=parsed, status_value=row["status"], modified_at=row["modified_at"])
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        data = basket_representation(row, api_rights(request.user))
        return Response(data, headers={"ETag": etag})


class BasketStatusView(APIView):
    """The cheapest read a poller can make: status and stage by GUID, one indexed query.

    ``urls.py`` sends token clients to ``fast_reads`` (token and basket in one query); this
    view answers the others (session logins, the browsable API) and documents both.
    """

    required_rights = {"GET": ApiRight.READ, "OPTIONS": ApiRight.READ}

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
