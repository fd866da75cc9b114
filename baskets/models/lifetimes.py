"""PV-4: one row per run of the basket lifetime job: what it deleted, by which rule.

The deleted baskets get no timeline event each (a million stale baskets would make a million
events); the run's row is their timeline summary, updated after every batch so the metrics
show a run's progress while it works.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifetimeRule(models.TextChoices):
    """Which lifetime a deleted basket had outlived; the first that applies names it."""

    EMPTY = "empty", _("Empty basket")
    ANONYMOUS = "anonymous", _("Anonymous basket")
    LOGIN = "login", _("Basket with a login")


class BasketLifetimeRun(models.Model):
    started_at = models.DateTimeField(db_index=True, verbose_name=_("started at"))
    # The last batch's commit: a run that stopped reporting is taken as lost.
    updated_at = models.DateTimeField(verbose_name=_("updated at"))
    # Empty while the run works (its task re-queues itself while stale baskets remain).
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # The lifetimes in days the run applied ({"empty": 7, "anonymous": 30, "login": 0});
    # 0 keeps that kind.
    lifetimes = models.JSONField(default=dict, verbose_name=_("lifetimes"))
    deleted_empty = models.PositiveIntegerField(default=0, verbose_name=_("deleted empty"))
    deleted_anonymous = models.PositiveIntegerField(default=0, verbose_name=_("deleted anonymous"))
    deleted_login = models.PositiveIntegerField(default=0, verbose_name=_("deleted login"))
    batches = models.PositiveIntegerField(default=0, verbose_name=_("batches"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("basket lifetime run")
        verbose_name_plural = _("basket lifetime runs")

    def __str__(self) -> str:
        return f"basket lifetimes {self.started_at:%Y-%m-%d %H:%M}: {self.deleted_total} deleted"

    @property
    def deleted_total(self) -> int:
        return self.deleted_empty + self.deleted_anonymous + self.deleted_login
