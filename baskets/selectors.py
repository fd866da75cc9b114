"""Read queries shared by the admin, the API, the export and the tasks."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from basketops.business import business_setting

from .exceptions import BasketNotFound, InvalidGuid
from .filters import FUNNEL_ORDER, FunnelPoint, basket_has_product_q, funnel_stopped_at_q
from .models import (
    Basket,
    BasketEvent,
    BasketLifetimeRun,
    GiftCardMovement,
    LifetimeRule,
    Order,
    Status,
    TimelineAction,
)
from .roles import ADMINISTRATOR


class ShopperAddresses(NamedTuple):
    payment_address: dict
    delivery_address: dict


def basket_addresses_for_shopper(basket: Basket) -> ShopperAddresses:
    """RL-1: the addresses a shopper (and the storefront acting for them) sees: none while
    recovery withholds them, though they stay stored for staff."""
    if basket.addresses_withheld_at is not None:
        return ShopperAddresses({}, {})
    return ShopperAddresses(basket.payment_address, basket.delivery_address)


def basket_list() -> QuerySet[Basket]:
    """Baskets with what the grid and the list API show, in one query per page."""
    return Basket.objects.select_related("shop_account", "customer_account").order_by(
        "-created_at", "-id"
    )


# What the grid shows (CB-1, BM-5, AC-1): a score of the basket's fifty columns.
GRID_COLUMNS = (
    "id",
    "guid",
    "shop_account__name",
    "shop_account__email",
    "customer_account__name",
    "customer_account__email",
    "customer_account__erp_account_id",
    "salesperson__shop_account__name",
    "manage_booking_completed_at",
    "masked_card_number",
    "payment_reference",
    "locked_at",
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
    # Switched on in the column chooser (``baskets.admin.columns``).
    "location",
    "delivery_method",
    "payment_method",
    "last_activity_at",
)


def basket_grid_list() -> QuerySet[Basket]:
    """The grid's rows: its columns only, the parties joined in, newest first."""
    return (
        Basket.objects.select_related(
            "shop_account", "customer_account", "salesperson__shop_account"
        )
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


def basket_was_deleted(guid: uuid.UUID) -> bool:
    """Whether staff deleted the basket with ``guid`` (its timeline outlives it)."""
    return BasketEvent.objects.filter(basket_guid=guid, action=TimelineAction.DELETE).exists()


def basket_locked_list() -> QuerySet[Basket]:
    """LC-2: Locked carts, longest locked first (a partial index makes counting cheap)."""
    return Basket.objects.filter(status=Status.LOCKED).order_by("locked_at", "pk")


def locked_cart_answer() -> Subquery:
    """LC-3, SH-4: what the payment provider last said about a basket's current payment (the
    payload of its newest "Checked at the payment provider" timeline entry for the basket's
    payment reference: status, provider_status, amount, currency, at, link, decision), or
    null; an annotation over baskets, one indexed lookup per row."""
    answers = (
        BasketEvent.objects.filter(basket_id=OuterRef("pk"), action=TimelineAction.PROVIDER_CHECK)
        .annotate(reference=KeyTextTransform("payment_reference", "payload"))
        .filter(reference=OuterRef("payment_reference"))
        .order_by("-created_at", "-id")
        .values("payload")[:1]
    )
    return Subquery(answers, output_field=JSONField())


def staff_notification_recipients() -> list[str]:
    """Who gets staff e-mails (LC-5): the live setting's addresses, else every active System
    administrator with an e-mail address."""
    configured = business_setting("STAFF_NOTIFICATION_EMAILS")
    if configured:
        return list(configured)
    administrators = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=ADMINISTRATOR)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
    return list(administrators)


def gift_card_reserved_sum() -> Coalesce:
    """An expression over a gift card: what baskets in payment hold of it (SH-5)."""
    return Coalesce(
        Sum("reservations__amount"),
        Value(0),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def gift_card_movement_list(code: str, *, limit: int) -> list[GiftCardMovement]:
    """A card's movements (reserve, debit, release), newest first, at most ``limit``."""
    return list(
        GiftCardMovement.objects.filter(card_id=code).order_by("-created_at", "-id")[:limit]
    )


def accounts_receivable_open_q() -> Q:
    """Orders waiting in accounts receivable: sent there and not settled by staff."""
    return Q(accounts_receivable_at__isnull=False, accounts_receivable_settled_at__isnull=True)


def order_receivable_list() -> QuerySet[Order]:
    """Open accounts-receivable orders, oldest first (the daily mail, the ageing page)."""
    return (
        Order.objects.filter(accounts_receivable_open_q())
        .select_related("basket")
        .order_by("accounts_receivable_at", "pk")
    )


class FunnelRow(NamedTuple):
    point: str
    label: str
    reached: int  # baskets that got at least this far
    stopped: int  # baskets whose furthest point this is
    drop_off: float | None  # share of those reaching this point that went no further


def basket_funnel(
    *, date_from: date, date_to: date, product: str = "", using: str = "default"
) -> list[FunnelRow]:
    """Seed 000: baskets created from ``date_from`` to ``date_to`` (whole days, anonymous
    ones included), optionally only those with a line of ``product``, counted at the
    furthest checkout point each reached; one aggregate query (on the database ``using``)."""
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    baskets = Basket.objects.using(using).filter(created_at__gte=start, created_at__lt=end)
    if product:
        baskets = baskets.filter(basket_has_product_q(product))
    stopped = baskets.aggregate(
        **{point: Count("pk", filter=funnel_stopped_at_q(point)) for point in FUNNEL_ORDER}
    )
    rows = []
    for index, point in enumerate(FUNNEL_ORDER):
        reached = sum(stopped[later] for later in FUNNEL_ORDER[index:])
        drop_off = stopped[point] / reached if reached and index < len(FUNNEL_ORDER) - 1 else None
        rows.append(FunnelRow(point, FunnelPoint(point).label, reached, stopped[point], drop_off))
    return rows
def basket_lifetime_run_latest() -> BasketLifetimeRun | None:
    """PV-4: the newest run of the lifetime job (its progress while it works)."""
    return BasketLifetimeRun.objects.order_by("-started_at", "-id").first()


def basket_lifetime_deleted_totals() -> dict[str, int]:
    """PV-4: baskets the lifetime job has deleted over all its runs, by rule."""
    totals = BasketLifetimeRun.objects.aggregate(
        empty=Sum("deleted_empty"), anonymous=Sum("deleted_anonymous"), login=Sum("deleted_login")
    )
    return {rule: totals[rule] or 0 for rule in LifetimeRule.values}
