"""Abandonment in the back office: captured abandonments and the abandon report pickup area."""

from . import records, reminders, reports, suppressions  # noqa: F401  (registers the model admins)
