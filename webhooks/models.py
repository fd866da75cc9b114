"""Webhook endpoints, the deliveries fanned out to them from the outbox, every attempt (IN-1)."""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from baskets.models import EventType, OutboxEvent

# Not an outbox event: sent by hand from the admin to try an endpoint.
TEST_EVENT = "webhook.test"


def message_id_new() -> str:
    """A Standard Webhooks ``webhook-id``: fixed for a delivery, the same on every retry."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # "whsec_" + base64 key, as Standard Webhooks prescribes; shown once when made.
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices), verbose_name=_("event types")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))
    # The first failed attempt since the last successful one; null while the endpoint answers.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("disabled reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, retried with backoff until it is delivered or gives up."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    # Null for a test event. A reference only (no constraint): the outbox purges its own
    # old rows on its own schedule, and the delivery keeps a copy of what it sends.
    event = models.ForeignKey(
        OutboxEvent,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("event"),
    )
    event_type = models.CharField(_("event type"), max_length=40)
    basket_guid = models.UUIDField(_("basket ID"), null=True, blank=True, db_index=True)
    message_id = models.CharField(
        _("webhook-id"), max_length=40, unique=True, default=message_id_new
    )
    # The event's data as recorded, and when it happened: the body is the same on every retry.
    payload = models.JSONField(_("payload"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # A worker that claimed the delivery holds it until then; one that died frees it.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery and what came back."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="+", verbose_name=_("endpoint")
    )
    number = models.PositiveIntegerField(_("number"))
    attempted_at = models.DateTimeField(_("attempted at"))
    # Null when no answer came (refused, timed out, unsafe address).
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    # The first KB of the answer, card numbers removed.
    response_excerpt = models.TextField(_("answer (start)"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    succeeded = models.BooleanField(_("succeeded"))

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        indexes = [
            models.Index(fields=["endpoint", "-attempted_at"], name="webhook_attempt_endpoint")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.status_code or self.error}"
