"""Outbox events queued for Google Analytics 4, each sent (with others) until GA4 took it."""

from django.db import models


class GA4Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class GA4Event(models.Model):
    """One outbox event for GA4: queued by the outbox fan-out in the transaction that marks the
    event dispatched (so none is lost or queued twice), built into a Measurement Protocol
    event when it is sent."""

    # A reference only, as the webhook deliveries keep theirs: the outbox purges its rows.
    outbox_event_id = models.BigIntegerField(unique=True)
    event_type = models.CharField(max_length=40)
    basket_id = models.BigIntegerField(null=True, blank=True)
    basket_guid = models.UUIDField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=GA4Status.choices, default=GA4Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender that claimed the event holds it until then; one that died frees it.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # What the last failed attempt got (status code or error; never the API secret).
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = "GA4 event"
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="ga4_event_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.outbox_event_id} ({self.status})"
