"""Completion in the back office: triage of failures, baskets in completion, reconciliation,
orders in accounts receivable, worker heartbeats."""

from . import records, triage  # noqa: F401  (registers the model admins)
