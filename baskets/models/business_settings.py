"""The audit trail of the live business settings (``basketops.business``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessSettingChange(models.Model):
    """One change of one live business setting: who, when, from what, to what."""

    name = models.CharField(max_length=100, verbose_name=_("name"))
    old_value = models.JSONField(null=True, blank=True, verbose_name=_("old value"))
    new_value = models.JSONField(null=True, blank=True, verbose_name=_("new value"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Readable without the user row, like the baskets' timeline.
    actor_label = models.CharField(max_length=150, verbose_name=_("actor label"))
    changed_at = models.DateTimeField(db_index=True, verbose_name=_("changed at"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("business setting change")
        verbose_name_plural = _("business setting changes")

    def __str__(self) -> str:
        return f"{self.name}: {self.old_value!r} -> {self.new_value!r}"
