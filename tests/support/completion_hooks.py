"""Downstream completion hooks used by the tests (configured through COMPLETION_HOOKS)."""

import os
import time

from baskets.models import Order


def refuse_marked_orders(order: Order) -> None:
    """Like an ERP export that rejects some orders: raises for baskets with REJECT in the
    booking ID."""
    if "REJECT" in order.basket.booking_id:
        raise RuntimeError("ERP export refused the order")


def slow_export(order: Order) -> None:
    """An export that takes a while, so a worker can be killed in the middle of a run."""
    time.sleep(float(os.environ.get("SLOW_EXPORT_SECONDS", "0.02")))
