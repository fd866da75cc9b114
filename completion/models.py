"""Completion's own records: upsell timers, triage views."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from baskets.models import Basket


class UpsellOffer(models.Model):
    """AB-5: a shopper entered an upsell offer; the order is finalised when the timer ends."""

    basket = models.OneToOneField(
        Basket, on_delete=models.CASCADE, related_name="upsell_offer", verbose_name=_("basket")
    )
    entered_at = models.DateTimeField(verbose_name=_("entered at"))
    finalise_at = models.DateTimeField(verbose_name=_("finalise at"))
    # A token the payment gateway issued for the shopper's card; never a card number.
    payment_token = models.CharField(max_length=100, verbose_name=_("payment token"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    finalised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finalised at"))
    charge_reference = models.CharField(
        max_length=100, blank=True, verbose_name=_("charge reference")
    )
    charge_error = models.TextField(blank=True, verbose_name=_("charge error"))

    class Meta:
        indexes = [
            models.Index(
                fields=["finalise_at"],
                name="upsell_due",
                condition=models.Q(finished_at__isnull=True, finalised_at__isnull=True),
            )
        ]
        verbose_name = _("upsell offer")
        verbose_name_plural = _("upsell offers")

    def __str__(self) -> str:
        return f"upsell {self.basket_id} until {self.finalise_at:%H:%M}"


class CompletionFailureClosure(models.Model):
    """Staff closed a Completion Failed basket by hand (refunded, fixed elsewhere...)."""

    basket = models.OneToOneField(
        Basket, on_delete=models.CASCADE, related_name="closure", verbose_name=_("basket")
    )
    closed_at = models.DateTimeField(verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("closed by"),
    )
    reason = models.TextField(verbose_name=_("reason"))

    class Meta:
        verbose_name = _("completion failure closure")
        verbose_name_plural = _("completion failure closures")

    def __str__(self) -> str:
        return f"closed {self.basket_id}"


class CompletionFailedBasket(Basket):
    """Admin triage of Completion Failed baskets (CB-4)."""

    class Meta:
        proxy = True
        verbose_name = _("completion failed basket")
        verbose_name_plural = _("completion failed baskets")


class BasketInCompletion(Basket):
    """Admin view of baskets waiting for or failing completion: attempts, error, next run."""

    class Meta:
        proxy = True
        verbose_name = _("basket in completion")
        verbose_name_plural = _("baskets in completion")


class UnreconciledBasket(Basket):
    """Paid baskets that still have no order after the reconciliation delay."""

    class Meta:
        proxy = True
        verbose_name = _("paid basket without order")
        verbose_name_plural = _("paid baskets without order")
