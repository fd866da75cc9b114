"""Read queries of abandonment shared by the admin and the reports."""

from django.db import connection
from django.db.models import Count, Q, QuerySet

TOP_PRODUCTS = 20
TOP_PRODUCTS_SQL = """
SELECT line->>'product_id' AS product, count(*) AS abandonments
FROM ({picked}) AS picked, jsonb_array_elements(picked.lines) AS line
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT %s
"""


def abandonment_stats(abandonments: QuerySet) -> dict:
    """AB-6: abandoned and recovered counts, the recovery rate, the most abandoned products."""
    totals = abandonments.aggregate(
        abandoned=Count("id"), recovered=Count("id", filter=Q(recovered_at__isnull=False))
    )
    rate = totals["recovered"] / totals["abandoned"] if totals["abandoned"] else 0.0
    return {**totals, "rate": rate, "top_products": _top_products(abandonments)}


def _top_products(abandonments: QuerySet) -> list[tuple[str, int]]:
    # The inner query is the ORM's own SQL for the queryset, its values still bound.
    sql, params = abandonments.order_by().values("lines").query.sql_with_params()
    statement = TOP_PRODUCTS_SQL.format(picked=sql)
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, TOP_PRODUCTS))
        return [(product, count) for product, count in cursor.fetchall()]
