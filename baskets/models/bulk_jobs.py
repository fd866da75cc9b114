"""BM-1: staff bulk work on many baskets runs as a job, its progress and result kept here."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkJobAction(models.TextChoices):
    """The baskets app's own kinds; other apps register theirs (``bulk_action_register``)."""

    DELETE = "delete", _("Delete baskets")
    COMPLETE_MANAGE_BOOKING = "complete_manage_booking", _("Complete manage booking step")
    FLAG_ADDITIONAL_INFORMATION = (
        "flag_additional_information",
        _("Flag additional information supplied"),
    )
    LOCKED_CART_CONFIRM = "locked_cart_confirm", _("Locked cart: Confirm order (paid)")
    LOCKED_CART_UNLOCK = "locked_cart_unlock", _("Locked cart: Unlock")
    LOCKED_CART_DELETE = "locked_cart_delete", _("Locked cart: Delete")


class BasketBulkJob(models.Model):
    # A registered kind of bulk action (``baskets.services.bulk_jobs``), and its title then.
    action = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    # What "done" means for this kind ("deleted", "unlocked", ...).
    verb = models.CharField(max_length=60)
    # The list the action was chosen on (filters kept), for the page's way back.
    back_url = models.CharField(max_length=1000, blank=True)
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
    # Baskets already in the wanted state (the action changed nothing).
    unchanged = models.PositiveIntegerField(default=0)
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
        return f"{self.label} #{self.pk}: {self.processed}/{self.total}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 100
