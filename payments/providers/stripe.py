"""Stripe (SH-4), through Stripe's official library.

Notifications: the ``Stripe-Signature`` header is checked by the library against
``STRIPE_WEBHOOK_SECRET`` (5 minutes' tolerance, against replays). The storefront puts the
basket's GUID in the PaymentIntent's (or Checkout Session's) ``metadata.basket_guid``."""

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import stripe
from django.conf import settings

from baskets.models import PaymentResult

from ..exceptions import NotificationRefused
from ..money import amount_from_minor
from .base import Notification

Result = PaymentResult.Result
# Stripe's own check refuses a signature older than this (its default is also 300 s).
SIGNATURE_TOLERANCE_SECONDS = 300

_INTENT_RESULTS = {
    "payment_intent.succeeded": Result.PAID,
    "payment_intent.processing": Result.PENDING,
    "payment_intent.payment_failed": Result.FAILED,
    "payment_intent.canceled": Result.CANCELLED,
}
_SESSION_RESULTS = {
    "checkout.session.async_payment_succeeded": Result.PAID,
    "checkout.session.async_payment_failed": Result.FAILED,
}


class StripeProvider:
    name: ClassVar[str] = "stripe"

    def __init__(self, *, api_key: str, webhook_secret: str, api_base: str):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base

    @classmethod
    def from_settings(cls) -> "StripeProvider | None":
        if not settings.STRIPE_WEBHOOK_SECRET:
            return None
        return cls(
            api_key=settings.STRIPE_API_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
        )

    def notification_verify(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"),
                headers.get("Stripe-Signature", ""),
                self.webhook_secret,
                tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
            event = json.loads(body)
            event_id, event_type = str(event["id"]), str(event["type"])
            payment = event["data"]["object"]
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
            raise NotificationRefused(f"Stripe signature check failed: {error}") from error
        except (ValueError, KeyError, TypeError) as error:
            raise NotificationRefused("Not a Stripe event") from error
        return _notification(event_id, event_type, payment)


def _notification(event_id: str, event_type: str, payment: Any) -> Notification:
    if not isinstance(payment, dict):
        return Notification(event_id=event_id, event_type=event_type, result="")
    if event_type in _INTENT_RESULTS:
        result = _INTENT_RESULTS[event_type]
        # What was taken when it succeeded; what was asked otherwise.
        minor = payment.get("amount_received") or payment.get("amount")
        reference = payment.get("id")
    elif event_type == "checkout.session.completed" or event_type in _SESSION_RESULTS:
        result = _SESSION_RESULTS.get(event_type)
        if result is None:
            # Completed: paid now (cards), or paid later by an asynchronous method.
            paid = payment.get("payment_status") in ("paid", "no_payment_required")
            result = Result.PAID if paid else Result.PENDING
        minor = payment.get("amount_total")
        # The PaymentIntent is what the shop sees in its dashboard and what a check asks.
        reference = payment.get("payment_intent") or payment.get("id")
    else:
        return Notification(event_id=event_id, event_type=event_type, result="")
    metadata = payment.get("metadata") or {}
    currency = str(payment.get("currency") or "").upper()
    try:
        amount = amount_from_minor(minor, currency) if minor is not None else None
    except (TypeError, ValueError, ArithmeticError):
        amount = None
    return Notification(
        event_id=event_id,
        event_type=event_type,
        result=result,
        basket_guid=str(metadata.get("basket_guid") or "") if isinstance(metadata, dict) else "",
        amount=amount,
        currency=currency,
        reference=str(reference or ""),
    )
