"""Many baskets at once for tests that need thousands (set-based, one line each)."""

from datetime import datetime

from django.db import connection


def baskets_insert(count: int, at: datetime, *, account_type: str = "anonymous") -> list[str]:
    """``count`` Active baskets with one line each, created and last active at ``at``;
    returns their GUIDs."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH made AS (
                INSERT INTO baskets_basket (guid, account_type, status, stage, booking_id,
                    billing_object, purchaser_label, purchaser_type, purchaser_id,
                    booked_user_id, coupon_codes, gift_card_codes, user_values,
                    payment_address, delivery_address, delivery_method, payment_method,
                    location, order_comment, total, currency, created_at, modified_at,
                    last_activity_at, payment_reference, masked_card_number, lock_reason,
                    completion_attempts, last_error)
                SELECT gen_random_uuid(), %(account_type)s, 'active', 'basket', '', '', '', '',
                    '', '', '[]', '[]', '{}', '{}', '{}', '', '', '', '', 19.90, 'EUR', %(at)s,
                    %(at)s, %(at)s, '', '', '', 0, ''
                FROM generate_series(1, %(count)s)
                RETURNING id, guid
            ),
            lines AS (
                INSERT INTO baskets_line (basket_id, kind, product_id, variant_id, quantity,
                    unit_of_measure_id, unit_price, booked_user_id)
                SELECT id, 'product', 'PRD-BULK', '', 1, 'EA', 19.90, '' FROM made
            )
            SELECT guid::text FROM made
            """,
            {"at": at, "count": count, "account_type": account_type},
        )
        return [row[0] for row in cursor.fetchall()]
