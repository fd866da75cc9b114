"""The audit trail of the live business settings (``basketops.business``)."""

from django.conf import settings
from django.db import models


class BusinessSettingChange(models.Model):
    """One change of one live business setting: who, when, from what, to what."""

    name = models.CharField(max_length=100)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Readable without the user row, like the baskets' timeline.
    actor_label = models.CharField(max_length=150)
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.old_value!r} -> {self.new_value!r}"
