"""AB-1 / AB-2 / AB-6: capture abandoned baskets, purge old abandonments, mark recoveries."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from basketops.business import business_setting
from baskets.models import Basket, EventType, Line, OutboxEvent, ShopAccount, Status
from baskets.services.outbox import outbox_dispatch_on_commit
from baskets.statements import statement_text, table
from completion.models import UpsellOffer

from ..models import Abandonment

# Measured at 1,000,000 baskets (300,000 to capture): 5,000 a batch 8,000 baskets/s, 20,000
# 9,400/s, 50,000 6,900/s (its sorts and aggregates outgrow work_mem); 10,000 keeps most of
# the gain while a batch holds its rows locked for about a second.
SWEEP_BATCH = 10_000

# The idle lead baskets (the FROM and WHERE of the capture), shared by the batched sweep and
# the bench's one-statement yardstick.
LEAD_BASKETS = sql.SQL(
    """
    FROM {basket} AS basket
    LEFT JOIN {shop_account} AS account ON account.id = basket.shop_account_id
    WHERE basket.status = %(active)s AND basket.abandoned_at IS NULL
      AND basket.last_activity_at <= %(idle_since)s
      AND basket.paid_at IS NULL
      AND (COALESCE(account.email, '') <> '' OR basket.email <> '')
      -- A scalar subquery, probed per basket through the lines' index: as an EXISTS the
      -- planner hashes every line of the table for each batch.
      AND (SELECT true FROM {line} AS line WHERE line.basket_id = basket.id LIMIT 1)
      AND NOT EXISTS (
          SELECT 1 FROM {upsell_offer} AS offer WHERE offer.basket_id = basket.id
      )
"""
).format(
    basket=table(Basket),
    shop_account=table(ShopAccount),
    line=table(Line),
    upsell_offer=table(UpsellOffer),
)
LEAD_BASKETS_SQL = statement_text(LEAD_BASKETS)

# How the capture finds the batch's baskets and lines: by id arrays, probed through the
# primary key and the lines' basket index (a batch is a sliver of the table, and a join plan
# would pass over the whole table for each batch), or by joins (one pass over everything,
# the planner's best for a capture of every idle basket at once).
_BY_ARRAYS = (
    sql.SQL("WHERE basket.id = ANY(ARRAY(SELECT id FROM batch))"),
    sql.SQL("FROM {line} AS line WHERE line.basket_id = ANY(ARRAY(SELECT id FROM marked))"),
)
_BY_JOINS = (
    sql.SQL("FROM batch WHERE basket.id = batch.id"),
    sql.SQL("FROM {line} AS line JOIN marked ON marked.id = line.basket_id"),
)


def capture_sql(*, by_arrays: bool = True) -> str:
    """Given a ``batch`` CTE of basket ids: mark them, snapshot them, record their events."""
    return statement_text(_capture(by_arrays=by_arrays))


def _capture(*, by_arrays: bool) -> sql.Composed:
    baskets_where, lines_from = _BY_ARRAYS if by_arrays else _BY_JOINS
    return sql.SQL(
        """
marked AS (
    UPDATE {basket} AS basket SET abandoned_at = %(now)s
    {baskets_where}
    RETURNING basket.id, basket.guid, basket.last_activity_at, basket.total, basket.currency,
              basket.shop_account_id, basket.email, basket.payment_address,
              basket.coupon_codes, basket.purchaser_label
), contents AS (
    -- One grouped pass over the batch's lines.
    SELECT line.basket_id,
           json_agg(json_build_object(
               'product_id', line.product_id, 'variant_id', line.variant_id,
               'quantity', line.quantity, 'unit_price', line.unit_price::text)
               ORDER BY line.id) AS lines
    {lines_from}
    GROUP BY line.basket_id
), outboxed AS (
    -- IN-1: basket.abandoned in the same statement, so the event commits with the capture.
    INSERT INTO {outbox} (event_type, basket_id, basket_guid, payload, created_at)
    SELECT %(abandoned_event)s, marked.id, marked.guid,
           jsonb_build_object(
               'basket_guid', marked.guid::text, 'total', marked.total::text,
               'currency', marked.currency, 'last_activity_at', marked.last_activity_at,
               'abandoned_at', %(now)s::timestamptz),
           %(now)s
    FROM marked ORDER BY marked.id
)
INSERT INTO {abandonment}
    (basket_id, basket_guid, captured_at, last_activity_at, shop_account_email, email, name,
     payment_address, coupon_codes, total, currency, lines, recovered_at)
SELECT marked.id, marked.guid, %(now)s, marked.last_activity_at, COALESCE(account.email, ''),
       -- The login's own address first; a guest's from the checkout details.
       COALESCE(NULLIF(account.email, ''), marked.email),
       LEFT(COALESCE(NULLIF(account.name, ''), NULLIF(marked.payment_address->>'name', ''),
            NULLIF(concat_ws(' ', marked.payment_address->>'first_name',
                             marked.payment_address->>'last_name'), ''),
            marked.purchaser_label, ''), 200),
       marked.payment_address, marked.coupon_codes,
       marked.total, marked.currency, COALESCE(contents.lines, '[]'::json), NULL
FROM marked
LEFT JOIN contents ON contents.basket_id = marked.id
LEFT JOIN {shop_account} AS account ON account.id = marked.shop_account_id
"""
    ).format(
        basket=table(Basket),
        baskets_where=baskets_where,
        lines_from=lines_from.format(line=table(Line)),
        outbox=table(OutboxEvent),
        abandonment=table(Abandonment),
        shop_account=table(ShopAccount),
    )


# One statement per batch: pick idle Active baskets that are leads (seed 004: at least one
# line and an e-mail to reach the shopper by), skipping rows another worker holds; mark them
# abandoned and store their contents and contact details as they were. Paid baskets and
# baskets in an upsell offer are never captured: the upsell timer makes them orders (AB-5).
# Idle baskets that are no leads stay unmarked (a line or an e-mail added later makes them
# leads), so each batch's scan of the partial index passes over them again.
SWEEP_SQL = statement_text(
    sql.SQL(
        """
WITH batch AS (
    SELECT basket.id {lead_baskets}
    ORDER BY basket.last_activity_at
    LIMIT %(limit)s
    FOR UPDATE OF basket SKIP LOCKED
), {capture}"""
    ).format(lead_baskets=LEAD_BASKETS, capture=_capture(by_arrays=True))
)


def capture_parameters(*, now: datetime | None = None) -> dict:
    """The values ``LEAD_BASKETS_SQL`` and ``CAPTURE_SQL`` bind."""
    now = now or timezone.now()
    return {
        "active": Status.ACTIVE,
        "idle_since": now - business_setting("BASKET_ABANDON_AFTER"),
        "now": now,
        "abandoned_event": EventType.BASKET_ABANDONED.value,
    }


def abandonment_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH
) -> tuple[int, bool]:
    """AB-1: capture one batch of idle lead baskets as (count, has_more); locks the batch."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SWEEP_SQL, {**capture_parameters(now=now), "limit": batch_size})
        count = cursor.rowcount
        if count:
            outbox_dispatch_on_commit()  # basket.abandoned, in SWEEP_SQL
    return count, count == batch_size


def abandonment_purge(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH
) -> tuple[int, bool]:
    """AB-2: delete abandonments older than ``ABANDONMENT_RETENTION``, one batch at a time."""
    cutoff = (now or timezone.now()) - business_setting("ABANDONMENT_RETENTION")
    ids = list(
        Abandonment.objects.filter(captured_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    Abandonment.objects.filter(pk__in=ids).delete()
    return len(ids), len(ids) == batch_size


def abandonments_recovered_sql(baskets: sql.Composable) -> sql.Composable:
    """AB-6 as one UPDATE for a statement that makes orders: the open abandonments of the
    baskets that the query ``baskets`` returns count as recovered at ``%(now)s``."""
    return sql.SQL(
        """
UPDATE {abandonment} AS abandonment SET recovered_at = %(now)s
WHERE abandonment.basket_id IN ({baskets}) AND abandonment.recovered_at IS NULL
"""
    ).format(abandonment=table(Abandonment), baskets=baskets)
