"""Background work: completion, sweeps, upsell timers, heartbeats."""

from .engine import (
    RunSummary,
    basket_completion_attempt,
    completion_claim,
    completion_failure_record,
    completion_run,
)
from .heartbeat import worker_heartbeat_record
from .sweeps import abandonment_purge, abandonment_sweep
from .upsell import upsell_enter, upsell_finalise, upsell_finalise_due, upsell_finish

__all__ = [
    "RunSummary",
    "abandonment_purge",
    "abandonment_sweep",
    "basket_completion_attempt",
    "completion_claim",
    "completion_failure_record",
    "completion_run",
    "upsell_enter",
    "upsell_finalise",
    "upsell_finalise_due",
    "upsell_finish",
    "worker_heartbeat_record",
]
