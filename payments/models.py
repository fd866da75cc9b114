"""What a payment provider answered when asked about a locked cart's payment (SH-4, seed
003): the evidence staff read before deciding, and what an automatic decision did."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderCheck(models.Model):
    class Status(models.TextChoices):
        CAPTURED = "captured", _("Captured (money received)")
        PENDING = "pending", _("Pending at the provider")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # Started but never finished by the buyer (never authorised or never captured).
        EXPIRED = "expired", _("Not completed by the buyer")
        UNKNOWN = "unknown", _("Unknown to the provider")

    class Decision(models.TextChoices):
        STAFF = "staff", _("Left for staff")
        CONFIRMED = "confirmed", _("Confirmed automatically")
        UNLOCKED = "unlocked", _("Unlocked automatically")

    # Kept when the basket is deleted, as the timeline is.
    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("basket"),
    )
    basket_guid = models.UUIDField(db_index=True, verbose_name=_("basket guid"))
    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    reference = models.CharField(max_length=100, verbose_name=_("reference"))
    status = models.CharField(max_length=20, choices=Status.choices, verbose_name=_("status"))
    # The provider's own word for it (``succeeded``, ``COMPLETED``, ...).
    provider_status = models.CharField(max_length=40, blank=True, verbose_name=_("provider status"))
    amount = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True, verbose_name=_("amount")
    )
    currency = models.CharField(max_length=3, blank=True, verbose_name=_("currency"))
    # When the provider says the payment happened (or was last updated).
    provider_time = models.DateTimeField(null=True, blank=True, verbose_name=_("provider time"))
    link = models.URLField(max_length=300, blank=True, verbose_name=_("link"))
    decision = models.CharField(max_length=20, choices=Decision.choices, verbose_name=_("decision"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    checked_at = models.DateTimeField(db_index=True, verbose_name=_("checked at"))

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
        verbose_name = _("provider check")
        verbose_name_plural = _("provider checks")

    def __str__(self) -> str:
        return f"{self.provider} {self.reference}: {self.status}"
