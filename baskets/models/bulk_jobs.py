"""BM-1: staff bulk work on many baskets runs as a job, its progress and result kept here."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class BulkJobAction(models.TextChoices):
    DELETE = "delete", "Delete baskets"


class BasketBulkJob(models.Model):
    action = models.CharField(max_length=20, choices=BulkJobAction.choices)
    # The selection, by id, in the order it is worked through.
    basket_ids = ArrayField(models.BigIntegerField())
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    status = models.CharField(
        max_length=10, choices=BulkJobStatus.choices, default=BulkJobStatus.QUEUED
    )
    total = models.PositiveIntegerField()
    # How many of basket_ids were worked through (done or refused).
    processed = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # [{"guid": ..., "reason": ...}, ...]: each basket the action refused, and why.
    refusals = models.JSONField(default=list)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A new job checks the unfinished ones for baskets in common.
            models.Index(
                fields=["status"],
                name="bulk_job_unfinished",
                condition=~models.Q(status="done"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk}: {self.processed}/{self.total}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100
