"""The completion batch in set-based SQL, for PostgreSQL.

Same rows as ``engine._orders_create`` builds through the ORM (which SQLite uses), made
with one INSERT ... SELECT per table instead of one Python object per row. The numbers
follow ``baskets.models.orders.order_number`` / ``invoice_number``.
"""

from django.db import connection

from baskets.models import ItemKind

# Baskets with no lines, or with a line whose product is gone or not available.
PROBLEMS_SQL = """
SELECT batch.id FROM unnest(%(ids)s::bigint[]) AS batch(id)
WHERE NOT EXISTS (SELECT 1 FROM baskets_line AS line WHERE line.basket_id = batch.id)
   OR EXISTS (
        SELECT 1 FROM baskets_line AS line
        LEFT JOIN baskets_product AS product
               ON product.id = line.product_id AND product.available
        WHERE line.basket_id = batch.id AND product.id IS NULL)
"""

ORDERS_SQL = """
INSERT INTO baskets_order
    (basket_id, number, total, currency, created_at, accounts_receivable_at,
     accounts_receivable_note)
SELECT basket.id, 'SO' || lpad(basket.id::text, 10, '0'), basket.total, basket.currency,
       %(now)s,
       CASE WHEN offer.charge_error <> '' THEN %(now)s END,
       CASE WHEN offer.charge_error <> ''
            THEN 'This order failed during the auto closing of an upsell order: '
                 || offer.charge_error
                 || ' Follow up with the customer to obtain valid card details.'
            ELSE '' END
FROM baskets_basket AS basket
LEFT JOIN completion_upselloffer AS offer ON offer.basket_id = basket.id
WHERE basket.id = ANY(%(ids)s)
ORDER BY basket.id
RETURNING id
"""

ORDER_LINES_SQL = """
INSERT INTO baskets_orderline
    (order_id, kind, product_id, variant_id, quantity, unit_of_measure_id, unit_price,
     booked_user_id)
SELECT orders.id, line.kind, line.product_id, line.variant_id, line.quantity,
       line.unit_of_measure_id, line.unit_price, line.booked_user_id
FROM baskets_line AS line JOIN baskets_order AS orders ON orders.basket_id = line.basket_id
WHERE orders.id = ANY(%(orders)s)
ORDER BY line.id
"""

INVOICES_SQL = """
INSERT INTO baskets_invoice (order_id, number, amount, currency, created_at)
SELECT orders.id, 'INV' || lpad(orders.basket_id::text, 10, '0'), orders.total, orders.currency,
       %(now)s
FROM baskets_order AS orders WHERE orders.id = ANY(%(orders)s)
"""

ENROLMENTS_SQL = """
INSERT INTO baskets_courseenrolment (order_id, order_line_id, course_id, booked_user_id, created_at)
SELECT line.order_id, line.id, line.product_id, line.booked_user_id, %(now)s
FROM baskets_orderline AS line
WHERE line.order_id = ANY(%(orders)s) AND line.kind = %(course)s
"""


def problem_ids(basket_ids: list[int]) -> set[int]:
    if not basket_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(PROBLEMS_SQL, {"ids": basket_ids})
        return {row[0] for row in cursor.fetchall()}


def orders_create(basket_ids: list[int], now) -> list[int]:
    """Orders, lines, invoices and enrolments for checked, locked baskets; the order ids."""
    if not basket_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(ORDERS_SQL, {"ids": basket_ids, "now": now})
        order_ids = [row[0] for row in cursor.fetchall()]
        params = {"orders": order_ids, "now": now, "course": ItemKind.COURSE.value}
        cursor.execute(ORDER_LINES_SQL, params)
        cursor.execute(INVOICES_SQL, params)
        cursor.execute(ENROLMENTS_SQL, params)
    return order_ids
