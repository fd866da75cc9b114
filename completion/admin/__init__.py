"""Completion in the back office: triage of failures, baskets in completion, reconciliation,
orders in accounts receivable, abandonments, worker heartbeats, abandon reports."""

from . import records, reports, triage  # noqa: F401  (registers the model admins)
