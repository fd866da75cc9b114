"""Read queries of abandonment shared by the admin, the reports and the tasks."""

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from baskets.models import Product
from baskets.roles import ADMINISTRATOR

from .models import AbandonReport

TOP_PRODUCTS = 20
TOP_PRODUCTS_SQL = """
SELECT line->>'product_id' AS product, count(*) AS abandonments
FROM ({picked}) AS picked, jsonb_array_elements(picked.lines) AS line
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
"""


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
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, TOP_PRODUCTS))
        counted = cursor.fetchall()
    names = dict(
        Product.objects.filter(pk__in=[product for product, _ in counted]).values_list(
            "pk", "name"
        )
    )
    return [(product, names.get(product, ""), count) for product, count in counted]


def abandon_reports_visible(user: AbstractBaseUser) -> QuerySet[AbandonReport]:
    """AB-3: the reports a staff user may see and download: the ones they asked for or
    receive by schedule; System administrators see all."""
    reports = AbandonReport.objects.all()
    if user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists():
        return reports
    return reports.filter(Q(requested_by=user) | Q(schedule__recipients=user)).distinct()
