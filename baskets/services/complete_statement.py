"""The Completed transition for a batch as one statement (``baskets_complete_many``; one
basket is a batch of one): lock the rows in id order, complete those still awaiting with
their booking columns (CB-1), one timeline event each, and their outbox rows
(basket.status_changed, then order.created). The whole statement is composed here, with the
models' table names.
"""

from functools import cache

from psycopg import sql

from ..currencies import amount_text_sql
from ..models import Basket, BasketEvent, ItemKind, Line, Order, OutboxEvent
from ..statements import statement_text, table
from .purchaser import BILLING_OBJECT_SQL

# CB-1: no completed basket lacks a booking ID (the order's number unless one was given
# before), its first seat's booked user, or a billing object (the purchaser's, when unset).
# SQL over the row before the change (``basket``), written with the status so the row is
# written once; the order is made earlier in the same transaction.
BOOKING_CHANGES: dict[str, sql.Composable] = {
    "booking_id": sql.SQL(
        """CASE WHEN basket.booking_id <> '' THEN basket.booking_id
        ELSE COALESCE((SELECT orders.number FROM {order} AS orders
                       WHERE orders.basket_id = basket.id), '') END"""
    ).format(order=table(Order)),
    "booked_user_id": sql.SQL(
        """CASE WHEN basket.booked_user_id <> '' THEN basket.booked_user_id
        ELSE COALESCE((SELECT line.booked_user_id FROM {line} AS line
                       WHERE line.basket_id = basket.id AND line.kind = {course}
                         AND line.booked_user_id <> ''
                       ORDER BY line.id LIMIT 1), '') END"""
    ).format(line=table(Line), course=sql.Literal(ItemKind.COURSE.value)),
    "billing_object": BILLING_OBJECT_SQL,
}

# basket.status_changed's payload as the statement builds it for each completed row: the
# keys and values ``outbox.status_changed_payload`` gives (a parity test compares them).
STATUS_CHANGED_PAYLOAD = sql.SQL(
    """jsonb_build_object(
               'basket_guid', completed.guid::text, 'from_status', completed.from_status,
               'to_status', completed.to_status, 'action', %(action)s,
               'changed_at', %(outbox_changed_at)s)"""
)

# order.created's payload; SH-2: the total as text with its currency's digits.
ORDER_CREATED_PAYLOAD = sql.SQL(
    """jsonb_build_object(
               'basket_guid', completed.guid::text, 'order_number', orders.number,
               'total', {total}, 'currency', orders.currency,
               'created_at', orders.created_at)"""
).format(total=sql.SQL(amount_text_sql("orders.total", "orders.currency")))

# The outbox rows go in basket by basket, so each basket's events keep their order.
OUTBOX = sql.SQL(
    """INSERT INTO {outbox} (event_type, basket_id, basket_guid, payload, created_at)
SELECT event.event_type, event.basket_id, event.basket_guid, event.payload, %(now)s
FROM (
    SELECT 1 AS seq, %(outbox_status_changed)s AS event_type, completed.id AS basket_id,
           completed.guid AS basket_guid, {status_changed} AS payload
    FROM completed
    UNION ALL
    SELECT 2, %(outbox_order_created)s, completed.id, completed.guid, {order_created}
    FROM completed
    JOIN {order} AS orders ON orders.basket_id = completed.id
) AS event
ORDER BY event.basket_id, event.seq"""
).format(
    outbox=table(OutboxEvent),
    order=table(Order),
    status_changed=STATUS_CHANGED_PAYLOAD,
    order_created=ORDER_CREATED_PAYLOAD,
)

COMPLETE_MANY = sql.SQL(
    """
WITH locked AS MATERIALIZED (
    SELECT basket.id, basket.status FROM {basket} AS basket
    WHERE basket.id = ANY(%(ids)s::bigint[])
    ORDER BY basket.id
    FOR UPDATE OF basket
), completed AS (
    UPDATE {basket} AS basket
    SET status = %(target)s, modified_at = %(now)s, completed_at = %(now)s,
        completion_lease_until = NULL, last_error = '',
        {changes}
    FROM locked
    WHERE basket.id = locked.id AND locked.status = ANY(%(sources)s::text[])
    RETURNING basket.id, basket.guid, locked.status AS from_status, basket.status AS to_status
), events AS (
    INSERT INTO {event}
        (basket_id, basket_guid, action, from_status, to_status, actor_id, actor_label, reason,
         payload, created_at)
    SELECT completed.id, completed.guid, %(action)s, completed.from_status,
           completed.to_status, %(actor_id)s, %(actor_label)s, '',
           COALESCE(%(payloads)s::jsonb -> completed.id::text, '{{}}'::jsonb), %(now)s
    FROM completed
    ORDER BY completed.id
), outbox AS (
    {outbox}
)
SELECT completed.id FROM completed ORDER BY completed.id
"""
).format(
    basket=table(Basket),
    event=table(BasketEvent),
    changes=sql.SQL(",\n        ").join(
        sql.SQL("{} = {}").format(sql.Identifier(column), value)
        for column, value in BOOKING_CHANGES.items()
    ),
    outbox=OUTBOX,
)


@cache
def complete_many_sql() -> str:
    """The statement's text (composed once)."""
    return statement_text(COMPLETE_MANY)
