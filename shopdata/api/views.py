"""SH-1: the Storefront client's sync API, one pair of routes per kind of the shop's records.

``PUT /api/<kind>/<shop's id>/`` creates or updates one record, ``POST /api/<kind>/`` with
``{"items": [...]}`` up to 1,000 of them (each answered on its own: created, updated,
unchanged or refused with its reason), ``GET`` reads them back. Writes need the Storefront's
write right; reads hold names and e-mails, so they need the personal-data right (AC-2).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from baskets.access import ApiRight
from baskets.api.parsers import JSONParser
from baskets.services.actors import Actor
from baskets.services.storefront_errors import StorefrontInputError
from security.cards import card_numbers_refuse

from ..services.sync import (
    BATCH_LIMIT,
    CREATED,
    KINDS,
    REFUSED,
    ItemRefused,
    Kind,
    shop_item_representation,
    shop_item_sync,
    shop_items_sync,
)

LIST_LIMIT = 1000

ItemAnswer = inline_serializer(
    "ShopItemResult",
    {
        "id": serializers.CharField(),
        "result": serializers.ChoiceField(choices=["created", "updated", "unchanged", "refused"]),
        "reason": serializers.CharField(help_text="why: a stable code, empty when done"),
        "detail": serializers.CharField(help_text="the reason for a person"),
    },
)
BatchAnswer = inline_serializer("ShopItemsResult", {"items": ItemAnswer.__class__(many=True)})


class ShopDataView(APIView):
    parser_classes = [JSONParser]
    kind: Kind
    required_rights = {
        "GET": ApiRight.PERSONAL_DATA,
        "PUT": ApiRight.WRITE,
        "POST": ApiRight.WRITE,
        "OPTIONS": ApiRight.WRITE,
    }

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        card_numbers_refuse(kwargs, where="address")
        card_numbers_refuse(request.query_params.dict(), where="address")

    def row(self, shop_id: str):
        try:
            key = self.kind.parse_key(shop_id)
        except ItemRefused as refusal:
            raise StorefrontInputError(refusal.message, code=refusal.code) from None
        return self.kind.queryset().filter(**{self.kind.key_field: key}).first()


class ShopItemView(ShopDataView):
    def get(self, request, shop_id: str):
        row = self.row(shop_id)
        if row is None:
            return Response(
                {"detail": f"No {self.kind.name} item “{shop_id[:60]}”.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(shop_item_representation(self.kind, row))

    def put(self, request, shop_id: str):
        answer = shop_item_sync(
            kind=self.kind, shop_id=shop_id, data=request.data, actor=Actor.api(request.user)
        )
        if answer.result == REFUSED:
            return Response(
                {"detail": answer.detail, "code": answer.reason, **answer.as_dict()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        code = status.HTTP_201_CREATED if answer.result == CREATED else status.HTTP_200_OK
        return Response(answer.as_dict(), status=code)


class ShopItemListView(ShopDataView):
    def get(self, request):
        after = request.query_params.get("after", "")
        limit = request.query_params.get("limit", "100")
        if not (limit.isdecimal() and len(limit) <= 4) or not 1 <= int(limit) <= LIST_LIMIT:
            raise StorefrontInputError(
                f"limit: a whole number from 1 to {LIST_LIMIT}.", code="invalid_limit"
            )
        rows = self.kind.queryset()
        if after:
            try:
                rows = rows.filter(**{f"{self.kind.key_field}__gt": self.kind.parse_key(after)})
            except ItemRefused as refusal:
                raise StorefrontInputError(refusal.message, code="invalid_after") from None
        page = list(rows[: int(limit)])
        items = [shop_item_representation(self.kind, row) for row in page]
        more = len(page) == int(limit)
        return Response({"items": items, "next_after": items[-1]["id"] if more else None})

    def post(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= BATCH_LIMIT:
            raise StorefrontInputError(
                f'The body must be {{"items": [...]}} with 1 to {BATCH_LIMIT} items.',
                code="invalid_items",
            )
        results = shop_items_sync(kind=self.kind, items=items, actor=Actor.api(request.user))
        return Response({"items": [result.as_dict() for result in results]})


def kind_views(kind: Kind) -> tuple[type[APIView], type[APIView]]:
    """The list and item views of ``kind``, each documented with its record. Each view gets
    methods of its own, so each kind's schema annotations stay its own."""
    title = kind.name.replace("-", " ")
    record = kind.record
    with_id = type(f"{record.__name__}WithId", (record,), {"id": serializers.CharField()})
    item_parameter = OpenApiParameter(
        "shop_id", str, OpenApiParameter.PATH, description=f"the shop's id of the {title} item"
    )

    @extend_schema(
        summary=f"Read one of the shop's {title}",
        parameters=[item_parameter],
        responses={200: with_id},
    )
    def item_get(self, request, shop_id: str):
        return ShopItemView.get(self, request, shop_id)

    @extend_schema(
        summary=f"Create or update one of the shop's {title} (SH-1)",
        parameters=[item_parameter],
        request=record,
        responses={200: ItemAnswer, 201: ItemAnswer},
    )
    def item_put(self, request, shop_id: str):
        return ShopItemView.put(self, request, shop_id)

    @extend_schema(
        operation_id=f"{kind.name.replace('-', '_')}_list",
        summary=f"The shop's {title}, by id",
        parameters=[
            OpenApiParameter("after", str, description="the last id of the previous page"),
            OpenApiParameter("limit", int, description=f"1 to {LIST_LIMIT}, default 100"),
        ],
        responses={
            200: inline_serializer(
                f"{record.__name__}Page",
                {
                    "items": with_id(many=True),
                    "next_after": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def list_get(self, request):
        return ShopItemListView.get(self, request)

    @extend_schema(
        summary=f"Create or update up to {BATCH_LIMIT} of the shop's {title} (SH-1)",
        request=inline_serializer(f"{record.__name__}Batch", {"items": with_id(many=True)}),
        responses={200: BatchAnswer},
    )
    def list_post(self, request):
        return ShopItemListView.post(self, request)

    name = record.__name__.removesuffix("Record")
    item_view = type(
        f"{name}ItemView", (ShopItemView,), {"kind": kind, "get": item_get, "put": item_put}
    )
    list_view = type(
        f"{name}ListView", (ShopItemListView,), {"kind": kind, "get": list_get, "post": list_post}
    )
    return list_view, item_view


VIEWS = {name: kind_views(kind) for name, kind in KINDS.items()}
