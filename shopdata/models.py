"""What ``manage.py shop_import`` did, for System administrators (SH-1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One run of ``shop_import``: its file, counts, and the row that stopped it, if any."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed (nothing written)")

    kind = models.CharField(max_length=30, verbose_name=_("kind"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    rows = models.PositiveBigIntegerField(default=0, verbose_name=_("rows"))
    created = models.PositiveBigIntegerField(default=0, verbose_name=_("created"))
    updated = models.PositiveBigIntegerField(default=0, verbose_name=_("updated"))
    unchanged = models.PositiveBigIntegerField(default=0, verbose_name=_("unchanged"))
    # The refused row that stopped the run: its line in the file and the reason.
    refused_line = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=_("refused line")
    )
    refused_reason = models.TextField(blank=True, verbose_name=_("refused reason"))

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "done", "failed"]),
                name="import_run_status_known",
            )
        ]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.kind} from {self.path} ({self.status})"
