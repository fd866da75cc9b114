"""What a staff member chose for their own pages: the basket grid's columns."""

from django.conf import settings
from django.db import models


class GridColumnChoice(models.Model):
    """The basket grid's columns one staff member switched on (the column chooser); the
    grid's key columns are always shown, before these."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"grid columns of user #{self.user_id}"
