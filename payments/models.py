"""What a payment provider answered when asked about a locked cart's payment (SH-4, seed
003): the evidence staff read before deciding, and what an automatic decision did."""

from django.db import models


class ProviderCheck(models.Model):
    class Status(models.TextChoices):
        CAPTURED = "captured", "Captured (money received)"
        PENDING = "pending", "Pending at the provider"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # Started but never finished by the buyer (never authorised or never captured).
        EXPIRED = "expired", "Not completed by the buyer"
        UNKNOWN = "unknown", "Unknown to the provider"

    class Decision(models.TextChoices):
        STAFF = "staff", "Left for staff"
        CONFIRMED = "confirmed", "Confirmed automatically"
        UNLOCKED = "unlocked", "Unlocked automatically"

    # Kept when the basket is deleted, as the timeline is.
    basket = models.ForeignKey(
        "baskets.Basket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    basket_guid = models.UUIDField(db_index=True)
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices)
    # The provider's own word for it (``succeeded``, ``COMPLETED``, ...).
    provider_status = models.CharField(max_length=40, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # When the provider says the payment happened (or was last updated).
    provider_time = models.DateTimeField(null=True, blank=True)
    link = models.URLField(max_length=300, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    note = models.TextField(blank=True)
    checked_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["captured", "pending", "failed", "cancelled", "expired", "unknown"]
                ),
                name="provider_check_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=["staff", "confirmed", "unlocked"]),
                name="provider_check_decision_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference}: {self.status}"
