"""What every scheduler and worker process shares about background runs (SC-1, SC-2, SC-4)."""

from django.db import models


class RunRequest(models.Model):
    """A run of ``job`` was asked for and not yet looked at (``requested``), or a run is
    looking now (not ``requested``). One row per job at most; a run deletes it when it ends
    with nothing asked for since it looked."""

    job = models.CharField(max_length=100, primary_key=True)
    requested = models.BooleanField(default=True)
    touched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.job}: {'requested' if self.requested else 'running'} at {self.touched_at}"


class PeriodicClaim(models.Model):
    """One scheduler sent periodic ``job`` for ``period`` (the period's number since the
    epoch, or the minute for a crontab); the unique pair is what stops a second one."""

    job = models.CharField(max_length=100)
    period = models.BigIntegerField()
    claimed_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="periodic_claim_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} #{self.period} by {self.claimed_by}"
