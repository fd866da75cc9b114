"""PV-4: one row per run of the basket lifetime job: what it deleted, by which rule.

The deleted baskets get no timeline event each (a million stale baskets would make a million
events); the run's row is their timeline summary, updated after every batch so the metrics
show a run's progress while it works.
"""

from django.db import models


class LifetimeRule(models.TextChoices):
    """Which lifetime a deleted basket had outlived; the first that applies names it."""

    EMPTY = "empty", "Empty basket"
    ANONYMOUS = "anonymous", "Anonymous basket"
    LOGIN = "login", "Basket with a login"


class BasketLifetimeRun(models.Model):
    started_at = models.DateTimeField(db_index=True)
    # The last batch's commit: a run that stopped reporting is taken as lost.
    updated_at = models.DateTimeField()
    # Empty while the run works (its task re-queues itself while stale baskets remain).
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lifetimes in days the run applied ({"empty": 7, "anonymous": 30, "login": 0});
    # 0 keeps that kind.
    lifetimes = models.JSONField(default=dict)
    deleted_empty = models.PositiveIntegerField(default=0)
    deleted_anonymous = models.PositiveIntegerField(default=0)
    deleted_login = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"basket lifetimes {self.started_at:%Y-%m-%d %H:%M}: {self.deleted_total} deleted"

    @property
    def deleted_total(self) -> int:
        return self.deleted_empty + self.deleted_anonymous + self.deleted_login
