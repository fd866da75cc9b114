"""Operations' records: task counters that must add up across every worker process on every
machine (IN-4), and the workers' heartbeats (IN-2)."""

from django.db import models


class TaskRunCount(models.Model):
    """Runs, failures and time spent of one Celery task, summed over all workers since the
    first run."""

    task = models.CharField(max_length=200, unique=True)
    runs = models.BigIntegerField(default=0)
    failures = models.BigIntegerField(default=0)
    # Seconds all runs took together (with ``runs``: the mean; /metrics shows both).
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.task}: {self.runs} runs, {self.failures} failed"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran a task for each sender (scheduler or a command)."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
