"""Payment results reported by storefronts: idempotency and reconciliation (API-2, LC-1)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentResult(models.Model):
    """One payment result as received, with the answer given, kept after basket deletion.

    Never holds a full card number: the API refuses any request carrying one.
    """

    class Result(models.TextChoices):
        PAID = "paid", _("Paid")
        PENDING = "pending", _("Pending")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        # Arrived after staff confirmed or deleted the basket, or after it was paid:
        # nothing changed; staff match it against the provider.
        RECONCILIATION = "reconciliation", _("Recorded for reconciliation")

    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_results",
        verbose_name=_("basket"),
    )
    basket_guid = models.UUIDField(db_index=True, verbose_name=_("basket guid"))
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("client"),
    )
    # Empty when the request carried no Idempotency-Key.
    idempotency_key = models.CharField(
        max_length=200, blank=True, verbose_name=_("idempotency key")
    )
    result = models.CharField(max_length=10, choices=Result.choices, verbose_name=_("result"))
    provider_reference = models.CharField(
        max_length=100, blank=True, verbose_name=_("provider reference")
    )
    masked_card_number = models.CharField(
        max_length=25, blank=True, verbose_name=_("masked card number")
    )
    # AC-2: what the provider says it took, checked against the basket's total (null on
    # results recorded before the check existed).
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("amount")
    )
    currency = models.CharField(max_length=3, blank=True, verbose_name=_("currency"))
    outcome = models.CharField(max_length=20, choices=Outcome.choices, verbose_name=_("outcome"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    # The first answer, replayed for a repeated Idempotency-Key.
    response_status = models.PositiveSmallIntegerField(verbose_name=_("response status"))
    response_body = models.JSONField(default=dict, verbose_name=_("response body"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))

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
        verbose_name = _("payment result")
        verbose_name_plural = _("payment results")

    def __str__(self) -> str:
        return f"{self.result} for {self.basket_guid} ({self.outcome})"
