"""What completion writes, in set-based SQL: one statement for a whole batch's orders.

The batch path and the one-basket path both come here, so an order, its lines, its invoice
and its enrolments are made one way only. Order and invoice numbers are the ones
``baskets.models.orders`` defines, passed in; the accounts-receivable note (AB-5) is
``UNPAID_NOTE``. The statements are composed here with the models' table names.
"""

from functools import cache

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string
from psycopg import sql

from baskets.locks import ids_array, text_array
from baskets.models import (
    Basket,
    CourseEnrolment,
    Invoice,
    ItemKind,
    Line,
    Order,
    OrderLine,
    Price,
    Product,
)
from baskets.models.orders import invoice_number, order_number
from baskets.services.purchaser import BOOKER_SQL
from baskets.statements import statement_text, table

from ..models import UpsellOffer

# AB-5: an upsell order whose card charge failed waits in accounts receivable with this note.
UNPAID_NOTE = (
    "This order failed during the auto closing of an upsell order: {error} "
    "Follow up with the customer to obtain valid card details."
)

# The end of the failures the shop's data causes, which CB-4 waits for the shop to undo: a
# withdrawn product, and an item without a price in the basket's currency (SH-2).
WITHDRAWN_SUFFIX = " was withdrawn before completion."
NO_PRICE_SUFFIX = " has no price in the basket's currency."
SHOP_DATA_SUFFIXES = (WITHDRAWN_SUFFIX, NO_PRICE_SUFFIX)
# Why a basket cannot complete now (no lines, a product gone or withdrawn, an item that has
# lost its price in the basket's currency: a variant's own, else its product's), as an
# expression over ``basket`` for the statement that locks the batch; NULL when it can
# complete.
PROBLEM = sql.SQL(
    """
CASE WHEN NOT EXISTS (SELECT 1 FROM {line} AS line WHERE line.basket_id = basket.id)
     THEN 'The basket has no lines.'
     ELSE COALESCE('Product ' || (
        SELECT string_agg(DISTINCT line.product_id, ', ' ORDER BY line.product_id)
        FROM {line} AS line
        LEFT JOIN {product} AS product
               ON product.id = line.product_id AND product.available
        WHERE line.basket_id = basket.id AND product.id IS NULL
     ) || {withdrawn}, 'Item ' || (
        SELECT string_agg(DISTINCT item.id, ', ' ORDER BY item.id)
        FROM {line} AS line,
             LATERAL (SELECT COALESCE(NULLIF(line.variant_id, ''), line.product_id)) AS item(id)
        WHERE line.basket_id = basket.id
          AND NOT EXISTS (
              SELECT 1 FROM {price} AS price
              WHERE price.product_id = line.product_id AND price.variant_id IS NULL
                AND price.currency = basket.currency)
          AND (line.variant_id = '' OR NOT EXISTS (
              SELECT 1 FROM {price} AS price
              WHERE price.variant_id = line.variant_id AND price.currency = basket.currency))
     ) || {no_price})
END
"""
).format(
    line=table(Line),
    product=table(Product),
    price=table(Price),
    withdrawn=sql.Literal(WITHDRAWN_SUFFIX),
    no_price=sql.Literal(NO_PRICE_SUFFIX),
)
PROBLEM_SQL = statement_text(PROBLEM)

COURSE = sql.Literal(ItemKind.COURSE.value)


def orders_made(basket_ids: sql.Composable) -> sql.Composable:
    """The statements of ``COMPLETION_ORDERS_MADE_SQL`` as data-modifying CTEs of the orders
    statement, each given ``basket_ids`` (the query of the new orders' baskets)."""
    return sql.Composed(
        sql.SQL(", {name} AS (\n{statement}\n)").format(
            name=sql.Identifier(f"orders_made_{index}"),
            statement=import_string(path)(basket_ids),
        )
        for index, path in enumerate(settings.COMPLETION_ORDERS_MADE_SQL)
    )


# One statement for everything the orders of a checked, locked batch need:
# - ``lines``: each basket line as its order line will have it. A course seat nobody was
#   named for is booked for the login that books (``baskets.services.purchaser.BOOKER_SQL``,
#   the SQL form of ``Purchaser.booker_id``, which the storefront applies on every forward
#   stage move; this catches lines added later);
# - ``seats``: those bookings written back to the basket lines;
# - the orders (an upsell order whose card charge failed goes to accounts receivable, AB-5),
#   their lines, invoices and course enrolments;
# - ``orders_made_*``: what other apps do with the new orders (``COMPLETION_ORDERS_MADE_SQL``:
#   the baskets' open abandonments count as recovered, AB-6).
# The sub-statements share one snapshot, so each reads what the one before it returned,
# never the tables it wrote.
ORDERS = sql.SQL(
    """
WITH batch AS (
    SELECT batch.id, batch.number, batch.invoice
    FROM unnest(%(ids)s::bigint[], %(numbers)s::text[], %(invoices)s::text[])
         AS batch(id, number, invoice)
), lines AS MATERIALIZED (
    SELECT line.id, line.basket_id, line.kind, line.product_id, line.variant_id,
           line.quantity, line.unit_of_measure_id, line.unit_price,
           line.booked_user_id AS named,
           CASE WHEN line.kind = {course} AND line.booked_user_id = ''
                THEN {booker}
                ELSE line.booked_user_id END AS booked_user_id
    FROM batch
    JOIN {basket} AS basket ON basket.id = batch.id
    JOIN {line} AS line ON line.basket_id = batch.id
), seats AS (
    UPDATE {line} AS line SET booked_user_id = lines.booked_user_id
    FROM lines
    WHERE line.id = lines.id AND lines.named = '' AND lines.booked_user_id <> ''
), orders AS (
    INSERT INTO {order}
        (basket_id, number, total, currency, created_at, accounts_receivable_at,
         accounts_receivable_note)
    SELECT basket.id, batch.number, basket.total, basket.currency, %(now)s,
           CASE WHEN offer.charge_error <> '' THEN %(now)s END,
           CASE WHEN offer.charge_error <> ''
                THEN replace(%(unpaid_note)s, '{{error}}', offer.charge_error) ELSE '' END
    FROM batch
    JOIN {basket} AS basket ON basket.id = batch.id
    LEFT JOIN {upsell_offer} AS offer ON offer.basket_id = basket.id
    ORDER BY basket.id
    RETURNING id, basket_id, total, currency
), order_lines AS (
    INSERT INTO {order_line}
        (order_id, kind, product_id, variant_id, quantity, unit_of_measure_id, unit_price,
         booked_user_id)
    SELECT orders.id, lines.kind, lines.product_id, lines.variant_id, lines.quantity,
           lines.unit_of_measure_id, lines.unit_price, lines.booked_user_id
    FROM lines JOIN orders ON orders.basket_id = lines.basket_id
    ORDER BY lines.id
    RETURNING id, order_id, kind, product_id, booked_user_id
), invoices AS (
    INSERT INTO {invoice} (order_id, number, amount, currency, created_at)
    SELECT orders.id, batch.invoice, orders.total, orders.currency, %(now)s
    FROM orders JOIN batch ON batch.id = orders.basket_id
    ORDER BY orders.id
), enrolments AS (
    INSERT INTO {enrolment}
        (order_id, order_line_id, course_id, booked_user_id, created_at)
    SELECT order_lines.order_id, order_lines.id, order_lines.product_id,
           order_lines.booked_user_id, %(now)s
    FROM order_lines WHERE order_lines.kind = {course}
    ORDER BY order_lines.id
){orders_made}
SELECT orders.id FROM orders ORDER BY orders.id
"""
)


@cache
def orders_sql() -> str:
    """The orders statement's text (composed once, with ``COMPLETION_ORDERS_MADE_SQL``)."""
    return statement_text(
        ORDERS.format(
            course=COURSE,
            booker=BOOKER_SQL,
            basket=table(Basket),
            line=table(Line),
            order=table(Order),
            upsell_offer=table(UpsellOffer),
            order_line=table(OrderLine),
            invoice=table(Invoice),
            enrolment=table(CourseEnrolment),
            orders_made=orders_made(sql.SQL("SELECT orders.basket_id FROM orders")),
        )
    )


def orders_create(basket_ids: list[int], now) -> list[int]:
    """Orders, lines, invoices and enrolments for checked, locked baskets, in one statement
    (with their seats and recovered abandonments); returns the order ids."""
    if not basket_ids:
        return []
    ids = sorted(basket_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            orders_sql(),
            {
                "ids": ids_array(ids),
                "numbers": text_array(order_number(basket_id) for basket_id in ids),
                "invoices": text_array(invoice_number(basket_id) for basket_id in ids),
                "now": now,
                "unpaid_note": UNPAID_NOTE,
            },
        )
        return [row[0] for row in cursor.fetchall()]
