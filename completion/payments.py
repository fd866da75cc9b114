"""The payment-gateway interface used when an order is charged without the shopper (AB-5).

The real gateway is outside Basket Ops; ``PAYMENT_GATEWAY`` names the adapter. None is
configured by default: an upsell order finalised then goes to accounts receivable with a
note saying so, rather than being taken as paid. ``SimulatedGateway`` is for demo data and
tests only (it logs a warning each time it charges); it decides from the card token: a token
starting ``tok_decline`` is declined, ``tok_unavailable`` makes the gateway unavailable, any
other token is charged.
"""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .exceptions import GatewayUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    reference: str = ""
    message: str = ""


class PaymentGateway(Protocol):
    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        """Charge a tokenised card; a decline is a result, an outage raises GatewayUnavailable."""


class SimulatedGateway:
    """Demo data and tests only: charges nothing real."""

    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        logger.warning(
            "SimulatedGateway charged nothing for %s: it is for demo data and tests only; "
            "set PAYMENT_GATEWAY to a real gateway adapter in production.",
            reference,
        )
        if token.startswith("tok_unavailable"):
            raise GatewayUnavailable("The simulated gateway is unavailable.")
        if token.startswith("tok_decline"):
            return ChargeResult(ok=False, message=f"Card declined for {amount} {currency}.")
        return ChargeResult(ok=True, reference=f"SIM-{uuid.uuid4().hex[:12]}")


def payment_gateway() -> PaymentGateway | None:
    """The configured gateway adapter, or None when ``PAYMENT_GATEWAY`` is empty."""
    path = settings.PAYMENT_GATEWAY.strip()
    return import_string(path)() if path else None
