"""The periodic jobs a commit may also ask for early (names of CELERY_BEAT_SCHEDULE entries)."""

# SC-1: the transaction that makes a basket Awaiting Completion asks for a completion run.
COMPLETION_RUN = "completion-run"
# SC-2: the transaction that writes outbox rows asks for a webhook dispatch run.
WEBHOOK_DISPATCH = "webhook-dispatch"
