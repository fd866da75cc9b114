"""AB-1 / AB-2: capture abandoned baskets and purge old abandonments, set-based, in batches."""

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from baskets.models import Basket, Line, Status

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
    idle_since = now - settings.BASKET_ABANDON_AFTER
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                SWEEP_SQL,
                {
                    "active": Status.ACTIVE,
                    "idle_since": idle_since,
                    "limit": batch_size,
                    "now": now,
                },
            )
            count = cursor.rowcount
        return count, count == batch_size
    return _abandonment_sweep_portable(now=now, idle_since=idle_since, batch_size=batch_size)


def _abandonment_sweep_portable(*, now, idle_since, batch_size) -> tuple[int, bool]:
    with transaction.atomic():
        baskets = list(
            Basket.objects.filter(
                status=Status.ACTIVE, abandoned_at__isnull=True, last_activity_at__lt=idle_since
            )
            .order_by("last_activity_at")
            .values("id", "guid", "last_activity_at", "total", "currency", "shop_account__email")[
                :batch_size
            ]
        )
        ids = [basket["id"] for basket in baskets]
        lines: dict[int, list[dict]] = {}
        for line in (
            Line.objects.filter(basket_id__in=ids)
            .order_by("id")
            .values("basket_id", "product_id", "variant_id", "quantity", "unit_price")
        ):
            basket_id = line.pop("basket_id")
            line["unit_price"] = str(line["unit_price"])
            lines.setdefault(basket_id, []).append(line)
        Basket.objects.filter(pk__in=ids).update(abandoned_at=now)
        Abandonment.objects.bulk_create(
            Abandonment(
                basket_id=b["id"],
                basket_guid=b["guid"],
                captured_at=now,
                last_activity_at=b["last_activity_at"],
                shop_account_email=b["shop_account__email"] or "",
                total=b["total"],
                currency=b["currency"],
                lines=lines.get(b["id"], []),
            )
            for b in baskets
        )
    return len(ids), len(ids) == batch_size


def abandonment_purge(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH
) -> tuple[int, bool]:
    """AB-2: delete abandonments older than ``ABANDONMENT_RETENTION``, one batch at a time."""
    cutoff = (now or timezone.now()) - settings.ABANDONMENT_RETENTION
    ids = list(
        Abandonment.objects.filter(captured_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    Abandonment.objects.filter(pk__in=ids).delete()
    return len(ids), len(ids) == batch_size
