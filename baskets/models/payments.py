"""Payment results reported by storefronts: idempotency and reconciliation (API-2, LC-1)."""

from django.conf import settings
from django.db import models


class PaymentResult(models.Model):
    """One payment result as received, with the answer given, kept after basket deletion.

    Never holds a full card number: the API refuses any request carrying one.
    """

    class Result(models.TextChoices):
        PAID = "paid", "Paid"
        PENDING = "pending", "Pending"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        # Arrived after staff confirmed or deleted the basket, or after it was paid:
        # nothing changed; staff match it against the provider.
        RECONCILIATION = "reconciliation", "Recorded for reconciliation"

    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_results",
    )
    basket_guid = models.UUIDField(db_index=True)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Empty when the request carried no Idempotency-Key.
    idempotency_key = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices)
    provider_reference = models.CharField(max_length=100, blank=True)
    masked_card_number = models.CharField(max_length=25, blank=True)
    # AC-2: what the provider says it took, checked against the basket's total (null on
    # results recorded before the check existed).
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    # The first answer, replayed for a repeated Idempotency-Key.
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="payment_result_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(result__in=["paid", "pending", "failed", "cancelled"]),
                name="payment_result_result_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="payment_result_reconcile",
                condition=models.Q(outcome="reconciliation"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.result} for {self.basket_guid} ({self.outcome})"
