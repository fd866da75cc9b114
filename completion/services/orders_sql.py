"""What completion writes, in set-based SQL: one statement per table for a whole batch
(and the basket's booking columns, CB-1).

The batch path and the one-basket path both come here, so an order, its lines, its invoice
and its enrolments are made one way only. Order and invoice numbers are the ones
``baskets.models.orders`` defines, passed in; the accounts-receivable note (AB-5) is
``UNPAID_NOTE``.
"""

from django.db import connection

from baskets.models import ItemKind
from baskets.models.orders import invoice_number, order_number

# AB-5: an upsell order whose card charge failed waits in accounts receivable with this note.
UNPAID_NOTE = (
    "This order failed during the auto closing of an upsell order: {error} "
    "Follow up with the customer to obtain valid card details."
)

# Why each basket of the batch cannot complete now (no lines, a product gone or withdrawn).
PROBLEMS_SQL = """
SELECT batch.id,
       CASE WHEN NOT EXISTS (SELECT 1 FROM baskets_line AS line WHERE line.basket_id = batch.id)
            THEN 'The basket has no lines.'
            ELSE 'Product ' || (
                SELECT string_agg(DISTINCT line.product_id, ', ' ORDER BY line.product_id)
                FROM baskets_line AS line
                LEFT JOIN baskets_product AS product
                       ON product.id = line.product_id AND product.available
                WHERE line.basket_id = batch.id AND product.id IS NULL
            ) || ' was withdrawn before completion.'
       END
FROM unnest(%(ids)s::bigint[]) AS batch(id)
WHERE NOT EXISTS (SELECT 1 FROM baskets_line AS line WHERE line.basket_id = batch.id)
   OR EXISTS (
        SELECT 1 FROM baskets_line AS line
        LEFT JOIN baskets_product AS product
               ON product.id = line.product_id AND product.available
        WHERE line.basket_id = batch.id AND product.id IS NULL)
"""

# Course seats nobody was named for are booked for the login that books: the basket's own
# login, else its salesperson's (``baskets.services.purchaser.purchaser_of(...).booker_id``,
# which the storefront applies on every forward stage move; this catches lines added later).
SEATS_SQL = """
UPDATE baskets_line AS line
SET booked_user_id = login.guid::text
FROM baskets_basket AS basket
LEFT JOIN baskets_salesperson AS seller ON seller.id = basket.salesperson_id
JOIN baskets_shopaccount AS login
  ON login.id = COALESCE(basket.shop_account_id, seller.shop_account_id)
WHERE line.basket_id = basket.id AND basket.id = ANY(%(ids)s)
  AND line.kind = %(course)s AND line.booked_user_id = ''
"""

# CB-1: no completed basket lacks a booking ID (the order's number unless one was given
# before), its first seat's booked user, or a billing object (the purchaser when unset).
BOOKING_SQL = """
UPDATE baskets_basket AS basket
SET booking_id = CASE WHEN basket.booking_id <> '' THEN basket.booking_id
        ELSE batch.number END,
    booked_user_id = CASE WHEN basket.booked_user_id <> '' THEN basket.booked_user_id
        ELSE COALESCE((SELECT line.booked_user_id FROM baskets_line AS line
                       WHERE line.basket_id = basket.id AND line.kind = %(course)s
                         AND line.booked_user_id <> ''
                       ORDER BY line.id LIMIT 1), '') END,
    billing_object = CASE WHEN basket.billing_object <> '' THEN basket.billing_object
        ELSE basket.purchaser_label END
FROM unnest(%(ids)s::bigint[], %(numbers)s::text[]) AS batch(id, number)
WHERE basket.id = batch.id
"""

ORDERS_SQL = """
INSERT INTO baskets_order
    (basket_id, number, total, currency, created_at, accounts_receivable_at,
     accounts_receivable_note)
SELECT basket.id, batch.number, basket.total, basket.currency, %(now)s,
       CASE WHEN offer.charge_error <> '' THEN %(now)s END,
       CASE WHEN offer.charge_error <> ''
            THEN replace(%(unpaid_note)s, '{error}', offer.charge_error) ELSE '' END
FROM unnest(%(ids)s::bigint[], %(numbers)s::text[]) AS batch(id, number)
JOIN baskets_basket AS basket ON basket.id = batch.id
LEFT JOIN completion_upselloffer AS offer ON offer.basket_id = basket.id
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
SELECT orders.id, batch.number, orders.total, orders.currency, %(now)s
FROM unnest(%(ids)s::bigint[], %(invoices)s::text[]) AS batch(basket_id, number)
JOIN baskets_order AS orders ON orders.basket_id = batch.basket_id
WHERE orders.id = ANY(%(orders)s)
"""

ENROLMENTS_SQL = """
INSERT INTO baskets_courseenrolment (order_id, order_line_id, course_id, booked_user_id, created_at)
SELECT line.order_id, line.id, line.product_id, line.booked_user_id, %(now)s
FROM baskets_orderline AS line
WHERE line.order_id = ANY(%(orders)s) AND line.kind = %(course)s
"""


def completion_problems(basket_ids: list[int]) -> dict[int, str]:
    """The baskets that cannot complete now, each with the reason kept as its error."""
    if not basket_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(PROBLEMS_SQL, {"ids": basket_ids})
        return dict(cursor.fetchall())


def orders_create(basket_ids: list[int], now) -> list[int]:
    """Orders, lines, invoices and enrolments for checked, locked baskets; the order ids."""
    if not basket_ids:
        return []
    ids = sorted(basket_ids)
    numbers = [order_number(basket_id) for basket_id in ids]
    with connection.cursor() as cursor:
        seats = {"ids": ids, "numbers": numbers, "course": ItemKind.COURSE.value}
        cursor.execute(SEATS_SQL, seats)
        cursor.execute(BOOKING_SQL, seats)
        cursor.execute(
            ORDERS_SQL,
            {
                "ids": ids,
                "numbers": numbers,
                "now": now,
                "unpaid_note": UNPAID_NOTE,
            },
        )
        order_ids = [row[0] for row in cursor.fetchall()]
        params = {
            "ids": ids,
            "invoices": [invoice_number(basket_id) for basket_id in ids],
            "orders": order_ids,
            "now": now,
            "course": ItemKind.COURSE.value,
        }
        cursor.execute(ORDER_LINES_SQL, params)
        cursor.execute(INVOICES_SQL, params)
        cursor.execute(ENROLMENTS_SQL, params)
    return order_ids
