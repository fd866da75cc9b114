"""Read queries of abandonment shared by the admin, the reports and the tasks."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from baskets.models import Basket, Order, Product
from baskets.roles import ADMINISTRATOR
from baskets.search import SearchDecision, SearchKind

from .models import Abandonment, AbandonReport

TOP_PRODUCTS = 20
TOP_PRODUCTS_SQL = """
SELECT line->>'product_id' AS product, count(*) AS abandonments
FROM ({picked}) AS picked, jsonb_array_elements(picked.lines) AS line
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
"""


def day_range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """From the start of ``date_from`` to the end of ``date_to`` (both days included), in
    the installation's time zone."""
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def abandonments_between(
    date_from: date, date_to: date, *, using: str = DEFAULT_DB_ALIAS
) -> QuerySet[Abandonment]:
    """Abandonments captured from ``date_from`` to ``date_to``, both days included (read
    from the database ``using`` names)."""
    start, end = day_range(date_from, date_to)
    return Abandonment.objects.using(using).filter(captured_at__gte=start, captured_at__lt=end)


# One row per day of the range: baskets created, abandonments captured, how many of those
# were recovered, and the order revenue they brought back (a basket captured more than
# once counts its order once, on the day of its last capture).
DAILY_SQL = f"""
WITH days AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 day')::date AS day
), created AS (
    SELECT (created_at AT TIME ZONE %(zone)s)::date AS day, count(*) AS baskets
    FROM {Basket._meta.db_table} WHERE created_at >= %(start)s AND created_at < %(end)s
    GROUP BY 1
), captured AS (
    SELECT abandonment.captured_at, abandonment.recovered_at, orders.total,
           row_number() OVER (PARTITION BY abandonment.basket_id
                              ORDER BY abandonment.captured_at DESC) AS latest
    FROM {Abandonment._meta.db_table} AS abandonment
    LEFT JOIN {Order._meta.db_table} AS orders ON orders.basket_id = abandonment.basket_id
    WHERE abandonment.captured_at >= %(start)s AND abandonment.captured_at < %(end)s
), abandoned AS (
    SELECT (captured_at AT TIME ZONE %(zone)s)::date AS day, count(*) AS abandoned,
           count(*) FILTER (WHERE recovered_at IS NOT NULL) AS recovered,
           COALESCE(sum(total) FILTER (WHERE recovered_at IS NOT NULL AND latest = 1), 0)
               AS revenue
    FROM captured GROUP BY 1
)
SELECT days.day, COALESCE(created.baskets, 0), COALESCE(abandoned.abandoned, 0),
       COALESCE(abandoned.recovered, 0), COALESCE(abandoned.revenue, 0)
FROM days
LEFT JOIN created ON created.day = days.day
LEFT JOIN abandoned ON abandoned.day = days.day
ORDER BY days.day
"""  # noqa: S608 (the models' table names)


@dataclass(frozen=True)
class DayFigures:
    """AB-6: one day of abandonment analytics."""

    day: date
    baskets: int
    abandoned: int
    recovered: int
    recovered_revenue: Decimal

    @property
    def abandonment_rate(self) -> float:
        """Abandonments captured per basket created that day."""
        return self.abandoned / self.baskets if self.baskets else 0.0

    @property
    def recovery_rate(self) -> float:
        """Share of the day's abandonments that became orders."""
        return self.recovered / self.abandoned if self.abandoned else 0.0


def abandonment_daily(
    date_from: date, date_to: date, *, using: str = DEFAULT_DB_ALIAS
) -> list[DayFigures]:
    """AB-6: abandonment rate, recovery rate and recovered revenue for each day of the
    range, both ends included, days without any activity too."""
    start, end = day_range(date_from, date_to)
    with connections[using].cursor() as cursor:
        cursor.execute(
            DAILY_SQL,
            {
                "first": date_from,
                "last": date_to,
                "start": start,
                "end": end,
                "zone": timezone.get_current_timezone_name(),
            },
        )
        return [DayFigures(*row) for row in cursor.fetchall()]


def abandonment_stats(abandonments: QuerySet) -> dict:
    """AB-6: abandoned and recovered counts, the recovery rate, the revenue recovered and the
    most abandoned products (ID, name, count)."""
    totals = abandonments.aggregate(
        abandoned=Count("id"),
        recovered=Count("id", filter=Q(recovered_at__isnull=False)),
        recovered_revenue=Sum("total", filter=Q(recovered_at__isnull=False)),
    )
    totals["recovered_revenue"] = totals["recovered_revenue"] or Decimal("0.00")
    rate = totals["recovered"] / totals["abandoned"] if totals["abandoned"] else 0.0
    return {**totals, "rate": rate, "top_products": _top_products(abandonments)}


def _top_products(abandonments: QuerySet) -> list[tuple[str, str, int]]:
    # The inner query is the ORM's own SQL for the queryset, its values still bound.
    sql, params = abandonments.order_by().values("lines").query.sql_with_params()
    statement = TOP_PRODUCTS_SQL.format(picked=sql)
    with connections[abandonments.db].cursor() as cursor:
        cursor.execute(statement, (*params, TOP_PRODUCTS))
        counted = cursor.fetchall()
    names = dict(
        Product.objects.using(abandonments.db)
        .filter(pk__in=[product for product, _ in counted])
        .values_list("pk", "name")
    )
    return [(product, names.get(product, ""), count) for product, count in counted]


def abandon_reports_visible(user: AbstractBaseUser) -> QuerySet[AbandonReport]:
    """AB-3: the reports a staff user may see and download: the ones they asked for or
    receive by schedule; System administrators see all."""
    reports = AbandonReport.objects.all()
    if user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists():
        return reports
    return reports.filter(Q(requested_by=user) | Q(schedule__recipients=user)).distinct()


# An ERP account's abandonments are found through its baskets' ids: more than this is no
# longer one caller.
ABANDONMENT_SEARCH_MAX_BASKETS = 5000


def abandonment_search_q(decision: SearchDecision) -> Q:
    """The abandonments a search of the Abandonments list finds, decided as the basket
    grid's search is (``baskets.search``): the basket's GUID, the e-mail whole, the name
    whole or (System administrators) any part of it, or the basket's ERP account ID."""
    if decision.kind is SearchKind.NONE:
        return Q()
    if decision.kind is SearchKind.REFUSED:
        return Q(pk__in=[])
    if decision.kind is SearchKind.GUID:
        return Q(basket_guid=decision.guid)
    if decision.kind is SearchKind.EMAIL:
        return Q(email__iexact=decision.term)
    name = Q(name__icontains=decision.term) if decision.fragment else Q(name__iexact=decision.term)
    baskets = Basket.objects.filter(customer_account__erp_account_id=decision.term)
    basket_ids = list(baskets.values_list("pk", flat=True)[:ABANDONMENT_SEARCH_MAX_BASKETS])
    return name | Q(basket_id__in=basket_ids)
