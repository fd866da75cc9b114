"""Read queries shared by the admin, the API, the export and the tasks."""

import uuid

from django.db.models import QuerySet

from .exceptions import BasketNotFound, InvalidGuid
from .models import Basket, BasketEvent, Line


def basket_list() -> QuerySet[Basket]:
    """Baskets with what the grid and the list API show, in one query per page."""
    return Basket.objects.select_related("shop_account", "customer_account").order_by(
        "-created_at", "-id"
    )


# What the grid shows (CB-1): a dozen of the basket's fifty columns.
GRID_COLUMNS = (
    "id",
    "guid",
    "shop_account__name",
    "booking_id",
    "billing_object",
    "purchaser_label",
    "purchaser_type",
    "purchaser_id",
    "booked_user_id",
    "account_type",
    "status",
    "stage",
    "created_at",
    "modified_at",
    "total",
    "currency",
)


def basket_grid_list() -> QuerySet[Basket]:
    """The grid's rows: its columns only, the owning login joined in, newest first."""
    return (
        Basket.objects.select_related("shop_account")
        .only(*GRID_COLUMNS)
        .order_by("-created_at", "-id")
    )


def guid_parse(value: uuid.UUID | str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError as error:
        raise InvalidGuid(f"“{str(value)[:60]}” is not a valid GUID.") from error


def basket_get(*, guid: uuid.UUID | str, with_lines: bool = True) -> Basket:
    """One basket by GUID: ``InvalidGuid`` if malformed, ``BasketNotFound`` if unknown."""
    guid = guid_parse(guid)
    queryset = Basket.objects.all()
    if with_lines:
        queryset = queryset.prefetch_related("lines")
    basket = queryset.filter(guid=guid).first()
    if basket is None:
        raise BasketNotFound(f"No basket with GUID {guid}.")
    return basket


def basket_timeline(*, basket_id: int) -> QuerySet[BasketEvent]:
    return (
        BasketEvent.objects.filter(basket_id=basket_id)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def line_export_rows(baskets: QuerySet[Basket]) -> QuerySet[Line]:
    """BM-2: one row per line of the given baskets, with the account columns joined in."""
    return (
        Line.objects.filter(basket__in=baskets.values("pk"))
        .order_by("basket_id", "id")
        .values_list(
            "basket__shop_account__name",
            "basket__shop_account__email",
            "basket__customer_account__name",
            "basket__customer_account__email",
            "basket__customer_account__erp_account_id",
            "basket__account_type",
            "basket__guid",
            "product_id",
            "variant_id",
            "quantity",
            "unit_of_measure_id",
        )
    )
