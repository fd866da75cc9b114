"""Old deliveries and their attempts are deleted after WEBHOOK_RETENTION, set-based, in
batches; each attempt (the request's answer) goes after the live
WEBHOOK_ATTEMPT_RETENTION_DAYS, by the basket retention job."""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from baskets.services.retention import RetentionRule, retention_rule_register

from ..models import DeliveryStatus, WebhookAttempt

# Finished deliveries (delivered or failed) made before the cutoff, with their attempts.
PURGE_SQL = """
WITH batch AS (
    SELECT id FROM webhooks_webhookdelivery
    WHERE status <> %(pending)s AND created_at < %(before)s
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
), attempts AS (
    DELETE FROM webhooks_webhookattempt WHERE delivery_id IN (SELECT id FROM batch)
)
DELETE FROM webhooks_webhookdelivery WHERE id IN (SELECT id FROM batch)
"""


def webhook_deliveries_purge(*, before: datetime, batch_size: int = 5_000) -> tuple[int, bool]:
    """Delete one batch of finished deliveries made before ``before``; (count, more left).

    Pending deliveries stay whatever their age (an endpoint disabled for long still gets
    them once enabled again)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            PURGE_SQL,
            {"pending": DeliveryStatus.PENDING, "before": before, "limit": batch_size},
        )
        count = cursor.rowcount
    return count, count == batch_size


def webhook_attempt_retention_register() -> None:
    retention_rule_register(
        RetentionRule(
            "webhook_attempts",
            WebhookAttempt,
            "WEBHOOK_ATTEMPT_RETENTION_DAYS",
            lambda cutoff: Q(attempted_at__lt=cutoff),
        )
    )
