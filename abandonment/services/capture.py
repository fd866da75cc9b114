"""AB-1 / AB-2 / AB-6: capture abandoned baskets, purge old abandonments, mark recoveries."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from basketops.business import business_setting
from baskets.models import Status

from ..models import Abandonment

SWEEP_BATCH = 5_000

# One statement per batch: pick idle Active baskets (skipping rows another worker holds),
# mark them abandoned and store their contents as they were.
SWEEP_SQL = """
WITH batch AS (
    SELECT id FROM baskets_basket
    WHERE status = %(active)s AND abandoned_at IS NULL AND last_activity_at < %(idle_since)s
    ORDER BY last_activity_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE baskets_basket AS basket SET abandoned_at = %(now)s
    FROM batch WHERE basket.id = batch.id
    RETURNING basket.id, basket.guid, basket.last_activity_at, basket.total, basket.currency,
              basket.shop_account_id
), contents AS (
    -- One grouped pass over the batch's lines rather than a subquery per basket.
    SELECT line.basket_id,
           json_agg(json_build_object(
               'product_id', line.product_id, 'variant_id', line.variant_id,
               'quantity', line.quantity, 'unit_price', line.unit_price::text)
               ORDER BY line.id) AS lines
    FROM baskets_line AS line JOIN marked ON marked.id = line.basket_id
    GROUP BY line.basket_id
)
INSERT INTO completion_abandonment
    (basket_id, basket_guid, captured_at, last_activity_at, shop_account_email, total, currency,
     lines, recovered_at)
SELECT marked.id, marked.guid, %(now)s, marked.last_activity_at, COALESCE(account.email, ''),
       marked.total, marked.currency, COALESCE(contents.lines, '[]'::json), NULL
FROM marked
LEFT JOIN contents ON contents.basket_id = marked.id
LEFT JOIN baskets_shopaccount AS account ON account.id = marked.shop_account_id
"""


def abandonment_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH
) -> tuple[int, bool]:
    """Capture one batch of Active baskets idle past ``BASKET_ABANDON_AFTER``.

    Returns (baskets captured, whether more may remain). Locks only the batch's rows.
    """
    now = now or timezone.now()
    idle_since = now - business_setting("BASKET_ABANDON_AFTER")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            SWEEP_SQL,
            {"active": Status.ACTIVE, "idle_since": idle_since, "limit": batch_size, "now": now},
        )
        count = cursor.rowcount
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


def abandonments_mark_recovered(*, basket_ids: list[int], now: datetime) -> int:
    """AB-6: the baskets became orders, so their open abandonments count as recovered.

    Called inside the caller's transaction (order creation), so both commit together."""
    return Abandonment.objects.filter(
        basket_id__in=basket_ids, recovered_at__isnull=True
    ).update(recovered_at=now)
