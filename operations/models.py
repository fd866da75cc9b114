"""Operations' records: task counters that must add up across every worker process on every
machine (IN-4), and the workers' heartbeats (IN-2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskRunCount(models.Model):
    """Runs, failures and time spent of one Celery task, summed over all workers since the
    first run."""

    task = models.CharField(_("task"), max_length=200, unique=True)
    runs = models.BigIntegerField(_("runs"), default=0)
    failures = models.BigIntegerField(_("failures"), default=0)
    # Seconds all runs took together (with ``runs``: the mean; /metrics shows both).
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("task run count")
        verbose_name_plural = _("task run counts")

    def __str__(self) -> str:
        return f"{self.task}: {self.runs} runs, {self.failures} failed"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran a task for each sender (scheduler or a command)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    hostname = models.CharField(_("host name"), max_length=200, blank=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
