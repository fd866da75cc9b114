"""The payment-gateway interface used when an order is charged without the shopper (AB-5).

The real gateway is outside Basket Ops; ``PAYMENT_GATEWAY`` names the adapter. The default,
``SimulatedGateway``, decides from the card token, so demos and tests choose the outcome:
a token starting ``tok_decline`` is declined, ``tok_unavailable`` makes the gateway
unavailable, any other token is charged.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .exceptions import GatewayUnavailable


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    reference: str = ""
    message: str = ""


class PaymentGateway(Protocol):
    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        """Charge a tokenised card; a decline is a result, an outage raises GatewayUnavailable."""


class SimulatedGateway:
    def charge(self, *, amount: Decimal, currency: str, token: str, reference: str) -> ChargeResult:
        if token.startswith("tok_unavailable"):
            raise GatewayUnavailable("The simulated gateway is unavailable.")
        if token.startswith("tok_decline"):
            return ChargeResult(ok=False, message=f"Card declined for {amount} {currency}.")
        return ChargeResult(ok=True, reference=f"SIM-{uuid.uuid4().hex[:12]}")


def payment_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()
