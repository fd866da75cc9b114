"""Completion's own records: upsell timers, triage views."""

from django.conf import settings
from django.db import models

from baskets.models import Basket


class UpsellOffer(models.Model):
    """AB-5: a shopper entered an upsell offer; the order is finalised when the timer ends."""

    basket = models.OneToOneField(Basket, on_delete=models.CASCADE, related_name="upsell_offer")
    entered_at = models.DateTimeField()
    finalise_at = models.DateTimeField()
    # A token the payment gateway issued for the shopper's card; never a card number.
    payment_token = models.CharField(max_length=100)
    finished_at = models.DateTimeField(null=True, blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    charge_reference = models.CharField(max_length=100, blank=True)
    charge_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["finalise_at"],
                name="upsell_due",
                condition=models.Q(finished_at__isnull=True, finalised_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"upsell {self.basket_id} until {self.finalise_at:%H:%M}"


class CompletionFailureClosure(models.Model):
    """Staff closed a Completion Failed basket by hand (refunded, fixed elsewhere...)."""

    basket = models.OneToOneField(Basket, on_delete=models.CASCADE, related_name="closure")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()

    def __str__(self) -> str:
        return f"closed {self.basket_id}"


class CompletionFailedBasket(Basket):
    """Admin triage of Completion Failed baskets (CB-4)."""

    class Meta:
        proxy = True
        verbose_name = "completion failed basket"


class BasketInCompletion(Basket):
    """Admin view of baskets waiting for or failing completion: attempts, error, next run."""

    class Meta:
        proxy = True
        verbose_name = "basket in completion"
        verbose_name_plural = "baskets in completion"


class UnreconciledBasket(Basket):
    """Paid baskets that still have no order after the reconciliation delay."""

    class Meta:
        proxy = True
        verbose_name = "paid basket without order"
        verbose_name_plural = "paid baskets without order"
