"""Completion: paid baskets become orders (engine), upsell timers."""

from .engine import (
    RunSummary,
    basket_completion_attempt,
    completion_claim,
    completion_failure_record,
    completion_run,
)
from .upsell import upsell_enter, upsell_finalise, upsell_finalise_due, upsell_finish

__all__ = [
    "RunSummary",
    "basket_completion_attempt",
    "completion_claim",
    "completion_failure_record",
    "completion_run",
    "upsell_enter",
    "upsell_finalise",
    "upsell_finalise_due",
    "upsell_finish",
]
