"""The transactional outbox (IN-1): one row per domain event, written in the change's transaction.

Other apps (webhooks) read it; ``baskets`` never knows who does. An event that is rolled
back with its change never existed, and one that committed is never lost.
"""

from django.db import models


class EventType(models.TextChoices):
    BASKET_STATUS_CHANGED = "basket.status_changed", "basket.status_changed"
    BASKET_ABANDONED = "basket.abandoned", "basket.abandoned"
    BASKET_RECOVERED = "basket.recovered", "basket.recovered"
    ORDER_CREATED = "order.created", "order.created"
    COMPLETION_FAILED = "completion.failed", "completion.failed"
    # Staff removed a line or changed its quantity (the basket re-priced).
    BASKET_LINES_CHANGED = "basket.lines_changed", "basket.lines_changed"
    # PV-3: a shopper was erased; the payload names the erasure and the baskets' GUIDs only.
    SHOPPER_ERASED = "shopper.erased", "shopper.erased"
    # The storefront added a product to a basket (the item, its price and the quantity added).
    BASKET_LINE_ADDED = "basket.line_added", "basket.line_added"
    # The shopper left the Basket stage for checkout (the basket's items and total then).
    BASKET_CHECKOUT_STARTED = "basket.checkout_started", "basket.checkout_started"


class OutboxEvent(models.Model):
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    # Plain columns, not a foreign key: the event outlives a deleted basket, and set-based
    # INSERTs (completion batch, abandonment sweep) write them without a join.
    basket_id = models.BigIntegerField(null=True, blank=True)
    basket_guid = models.UUIDField(null=True, blank=True, db_index=True)
    # What a receiver may see: GUID, statuses, order number, totals; never a card number
    # or a shopper's personal data.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    # Set when a consumer fanned the event out (webhooks); null = not yet handed on.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_undispatched",
                condition=models.Q(dispatched_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"
