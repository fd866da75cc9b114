"""Shared helpers of the payment provider tests (SH-4)."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from baskets.models import Basket, BasketEvent, PaymentResult, Stage
from baskets.services.actors import Actor
from baskets.services.transitions import basket_lock
from tests.support.factories import BasketFactory, LineFactory, ProductFactory

STAFF = Actor.system("tests-staff")
# A provider's random ids are letters and digits (Stripe's base 62): a test's must not hold
# the long digit runs that AC-4's card-number check refuses, as a hex string one time in a
# few hundred does. Digits become letters here.
_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def provider_event_id(prefix: str, length: int) -> str:
    """A new random event id such as a provider sends (``evt_...``, ``WH-...``)."""
    return prefix + uuid.uuid4().hex[:length].translate(_NO_DIGITS)


def snapshot() -> list:
    """Every basket, timeline entry and payment result: what a refusal must leave as it was."""
    return [
        list(Basket.objects.order_by("pk").values()),
        list(BasketEvent.objects.order_by("pk").values()),
        list(PaymentResult.objects.order_by("pk").values()),
    ]


def intent(intent_id, status, *, amount=4900, currency="eur", **extra):
    return {
        "id": intent_id,
        "object": "payment_intent",
        "status": status,
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": currency,
        "created": 1764849600,
        "livemode": False,
        **extra,
    }


def locked_cart(reference: str, *, locked_hours_ago: float = 0) -> Basket:
    """A Locked cart of 49.00 EUR whose payment reference is ``reference``."""
    basket = BasketFactory(
        stage=Stage.PAYMENT, total=Decimal("49.00"), currency="EUR", payment_reference=reference
    )
    LineFactory(basket=basket, product_id=ProductFactory().id, unit_price="49.00")
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="Payment pending")
    Basket.objects.filter(pk=basket.pk).update(
        locked_at=timezone.now() - timedelta(hours=locked_hours_ago)
    )
    basket.refresh_from_db()
    return basket
