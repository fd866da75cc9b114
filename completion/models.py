from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran a task for each sender (scheduler or a command)."""

    name = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
