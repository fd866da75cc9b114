"""A basket's timeline: every status change and staff action, with who, when and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .basket import Status


class TimelineAction(models.TextChoices):
    """What happened to a basket; the timeline's vocabulary (stable values, stored)."""

    CREATE = "create", _("Created")
    # Status changes, one per transition service (``services/transitions.py``).
    MARK_PAID = "mark_paid", _("Paid")
    LOCK = "lock", _("Locked")
    UNLOCK = "unlock", _("Unlocked")
    CONFIRM = "confirm", _("Confirmed by staff")
    COMPLETE = "complete", _("Completed")
    FAIL_COMPLETION = "fail_completion", _("Completion failed")
    REQUEUE = "requeue", _("Requeued for completion")
    FINALISE_UNPAID = "finalise_unpaid", _("Upsell finalised unpaid")
    # Completion attempts and triage.
    COMPLETION_ATTEMPT_FAILED = "completion_attempt_failed", _("Completion attempt failed")
    CLOSE_COMPLETION_FAILURE = "close_completion_failure", _("Completion failure closed")
    # Staff actions.
    COMPLETE_MANAGE_BOOKING = "complete_manage_booking", _("Manage booking step completed")
    FLAG_ADDITIONAL_INFORMATION = (
        "flag_additional_information",
        _("Additional information supplied"),
    )
    DELETE = "delete", _("Deleted")
    LINE_REMOVE = "line_remove", _("Line removed by staff")
    LINE_QUANTITY_CHANGE = "line_quantity_change", _("Line quantity changed by staff")
    # Accounts receivable follow-up on the basket's order (AB-5).
    RECEIVABLE_PAID = "receivable_paid", _("Accounts receivable: payment received")
    RECEIVABLE_WRITTEN_OFF = "receivable_written_off", _("Accounts receivable: written off")
    RECEIVABLE_CARD_REQUEST = (
        "receivable_card_request",
        _("Accounts receivable: new card asked for"),
    )
    # Storefront and payment provider.
    PAYMENT_STARTED = "payment_started", _("Payment started")
    PAYMENT_RETURN = "payment_return", _("Returned from the payment page")
    PAYMENT_PAID = "payment_paid", _("Payment result: paid")
    PAYMENT_PENDING = "payment_pending", _("Payment result: pending")
    PAYMENT_FAILED = "payment_failed", _("Payment result: failed")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment result: cancelled")
    PAYMENT_RECONCILIATION = "payment_reconciliation", _("Payment result kept for reconciliation")
    STOREFRONT_RESUME = "storefront_resume", _("Taken up again by the storefront")
    # SH-4: what the payment provider said about a locked cart's payment when asked.
    PROVIDER_CHECK = "provider_check", _("Checked at the payment provider")
    ENTER_UPSELL = "enter_upsell", _("Upsell offer entered")
    FINISH_UPSELL = "finish_upsell", _("Upsell offer finished")
    # AB-5: written before the card is charged, so a worker lost mid-charge leaves a trace.
    UPSELL_CHARGE_STARTED = "upsell_charge_started", _("Upsell card charge started")
    # SH-5: a gift card's balance held for the basket's payment, taken, or given back.
    GIFT_CARD_RESERVE = "gift_card_reserve", _("Gift card reserved")
    GIFT_CARD_DEBIT = "gift_card_debit", _("Gift card debited")
    GIFT_CARD_RELEASE = "gift_card_release", _("Gift card released")
    # Shopper side.
    RECOVER = "recover", _("Recovered from a link")
    # Abandonment (AB-4): one reminder e-mail of a sequence went to the shopper.
    REMINDER_SENT = "reminder_sent", _("Reminder e-mail sent")
    # Integrations (IN-1): each webhook attempt about the basket.
    WEBHOOK_DELIVERED = "webhook_delivered", _("Webhook delivered")
    WEBHOOK_ATTEMPT_FAILED = "webhook_attempt_failed", _("Webhook attempt failed")


class BasketEvent(models.Model):
    # Kept when the basket is deleted, so the deletion itself stays on record.
    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("basket"),
    )
    basket_guid = models.UUIDField(db_index=True, verbose_name=_("basket guid"))
    action = models.CharField(
        max_length=40, choices=TimelineAction.choices, verbose_name=_("action")
    )
    from_status = models.CharField(max_length=20, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=20, blank=True, verbose_name=_("to status"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # "staff:alice", "api:storefront", "system:completion": readable without the user row.
    actor_label = models.CharField(max_length=150, verbose_name=_("actor label"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["basket", "created_at"], name="event_basket_created")]
        verbose_name = _("basket event")
        verbose_name_plural = _("basket events")

    def __str__(self) -> str:
        if self.from_status and self.from_status != self.to_status:
            return f"{self.get_action_display()}: {self.status_change_text()}"
        return str(self.get_action_display())

    def status_change_text(self) -> str:
        """The status, or its change, in labels: "Locked → Active"."""
        labels = dict(Status.choices)
        to_status = str(labels.get(self.to_status, self.to_status))
        if not self.from_status or self.from_status == self.to_status:
            return to_status
        return f"{labels.get(self.from_status, self.from_status)} → {to_status}"
