"""What ``manage.py shop_import`` did, for System administrators (SH-1)."""

from django.db import models


class ImportRun(models.Model):
    """One run of ``shop_import``: its file, counts, and the row that stopped it, if any."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (nothing written)"

    kind = models.CharField(max_length=30)
    path = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveBigIntegerField(default=0)
    created = models.PositiveBigIntegerField(default=0)
    updated = models.PositiveBigIntegerField(default=0)
    unchanged = models.PositiveBigIntegerField(default=0)
    # The refused row that stopped the run: its line in the file and the reason.
    refused_line = models.PositiveBigIntegerField(null=True, blank=True)
    refused_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "failed"]),
                name="import_run_status_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.path} ({self.status})"
