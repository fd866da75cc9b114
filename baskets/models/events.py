"""A basket's timeline: every status change and staff action, with who, when and why."""

from django.conf import settings
from django.db import models


class BasketEvent(models.Model):
    # Kept when the basket is deleted, so the deletion itself stays on record.
    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    basket_guid = models.UUIDField(db_index=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # "staff:alice", "api:storefront", "system:completion": readable without the user row.
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["basket", "created_at"], name="event_basket_created")]

    def __str__(self) -> str:
        if self.from_status != self.to_status:
            return f"{self.action}: {self.from_status} -> {self.to_status}"
        return self.action
