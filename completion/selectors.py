"""Reads of completion's records that more than one caller needs (CB-4 triage, seed 004
receivables)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from baskets.models import Basket, Order, Status
from baskets.selectors import accounts_receivable_open_q, basket_locked_list

from .models import CompletionFailureClosure
from .services.order_statement import PROBLEM_SQL, SHOP_DATA_SUFFIXES


def now_completable() -> RawSQL:
    """CB-4, per basket row: its failure was the shop's data (a withdrawn product, an item
    without a price in the basket's currency) and the shop has made it available again, so
    it would complete now ("would now succeed")."""
    # PROBLEM_SQL reads ``basket``: asked of the outer row. Names are the models' own
    # tables; the parameters are the failures' endings.
    table = Basket._meta.db_table
    return RawSQL(  # noqa: S611 (the models' table names; the one value is a parameter)
        f'(("{table}"."last_error" LIKE %s OR "{table}"."last_error" LIKE %s) '  # noqa: S608
        f"AND (SELECT ({PROBLEM_SQL}) IS NULL "
        f'FROM {table} AS basket WHERE basket.id = "{table}"."id"))',
        ["%" + suffix for suffix in SHOP_DATA_SUFFIXES],
        output_field=BooleanField(),
    )


def completion_failed_open() -> QuerySet:
    """Completion Failed baskets staff have not closed."""
    return Basket.objects.filter(status=Status.COMPLETION_FAILED).exclude(
        pk__in=CompletionFailureClosure.objects.values("basket_id")
    )


def completion_failed_now_completable_ids(basket_ids: list[int] | None = None) -> list[int]:
    """The open Completion Failed baskets that would now succeed (of ``basket_ids``)."""
    baskets = completion_failed_open().alias(ready=now_completable()).filter(ready=True)
    if basket_ids is not None:
        baskets = baskets.filter(pk__in=basket_ids)
    return list(baskets.order_by("pk").values_list("pk", flat=True))


# Seed 004's ageing of unpaid orders, by whole days since the order went to accounts
# receivable: (label, first day, last day or None for "and older").
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31+", 31, None),
)
# The list shows at most this many orders (oldest first); the totals count every one.
AGEING_LIST_LIMIT = 500


@dataclass
class ReceivablesAgeing:
    orders: list[Order]  # each with ``.bucket``, oldest first
    count: int
    # bucket label -> [(currency, orders, total)], currencies sorted
    totals: dict[str, list[tuple[str, int, Decimal]]]


def receivables_bucket_case(now: datetime) -> Case:
    """The ageing bucket of an order as SQL: under 8 whole days "0-7", under 31 "8-30"."""
    whens = [
        When(accounts_receivable_at__gt=now - timedelta(days=last + 1), then=Value(label))
        for label, _first, last in AGEING_BUCKETS
        if last is not None
    ]
    return Case(*whens, default=Value(AGEING_BUCKETS[-1][0]), output_field=CharField())


def receivables_ageing(*, now: datetime | None = None) -> ReceivablesAgeing:
    """Open accounts-receivable orders by age, with count and sum per bucket and currency."""
    now = now or timezone.now()
    open_orders = Order.objects.filter(accounts_receivable_open_q()).annotate(
        bucket=receivables_bucket_case(now)
    )
    totals: dict[str, list[tuple[str, int, Decimal]]] = {label: [] for label, *_ in AGEING_BUCKETS}
    count = 0
    for row in (
        open_orders.values("bucket", "currency")
        .annotate(orders=Count("pk"), total=Sum("total"))
        .order_by("bucket", "currency")
    ):
        totals[row["bucket"]].append((row["currency"], row["orders"], row["total"]))
        count += row["orders"]
    orders = list(
        open_orders.select_related("basket").order_by("accounts_receivable_at", "pk")[
            :AGEING_LIST_LIMIT
        ]
    )
    return ReceivablesAgeing(orders=orders, count=count, totals=totals)


class BasketsNeedingStaff(NamedTuple):
    locked: QuerySet[Basket]
    failed: QuerySet[Basket]
    waiting: QuerySet[Basket]


def baskets_needing_staff(*, now: datetime, waiting_longer_than: timedelta) -> BasketsNeedingStaff:
    """Baskets a person must look at, oldest first: Locked carts (LC-2), Completion Failed
    baskets nobody closed (CB-4), and paid baskets still Awaiting Completion after
    ``waiting_longer_than`` (LC-5). The admin widgets and the daily e-mail read these."""
    return BasketsNeedingStaff(
        locked=basket_locked_list(),
        failed=Basket.objects.filter(status=Status.COMPLETION_FAILED)
        .exclude(Exists(CompletionFailureClosure.objects.filter(basket=OuterRef("pk"))))
        .order_by("modified_at", "pk"),
        waiting=Basket.objects.filter(status=Status.AWAITING_COMPLETION)
        .annotate(waiting_since=Coalesce("paid_at", "modified_at"))
        .filter(waiting_since__lte=now - waiting_longer_than)
        .order_by("waiting_since", "pk"),
    )
