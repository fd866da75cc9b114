"""Stripe (SH-4), through Stripe's official library.

Notifications: the ``Stripe-Signature`` header is checked by the library against
``STRIPE_WEBHOOK_SECRET`` (5 minutes' tolerance, against replays). The storefront puts the
basket's GUID in the PaymentIntent's (or Checkout Session's) ``metadata.basket_guid``.

Off-session charges (the upsell order, AB-5): a PaymentIntent confirmed at once with the
saved payment method, under an idempotency key, so a retry after a timeout (the library's
own, then a later run's) is the same charge, taken once."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import stripe
from django.conf import settings

from baskets.models import PaymentResult

from ..exceptions import NotificationRefused, ProviderUnavailable
from ..money import amount_from_minor, amount_to_minor
from .base import Notification, ProviderPayment

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


# A PaymentIntent's status as a locked cart's evidence (ProviderCheck.Status).
_CHECK_STATUSES = {
    "succeeded": "captured",
    "processing": "pending",
    "requires_capture": "pending",
    "requires_payment_method": "expired",
    "requires_confirmation": "expired",
    "requires_action": "expired",
    "canceled": "cancelled",
}

# The library retries a request that timed out or lost its connection this many times,
# with the same idempotency key, before the caller sees the provider as unavailable.
NETWORK_RETRIES = 2


@dataclass(frozen=True)
class Charge:
    """An off-session charge's outcome: taken (``reference``) or declined (``message``)."""

    ok: bool
    reference: str = ""
    message: str = ""


class StripeProvider:
    name: ClassVar[str] = "stripe"

    def __init__(self, *, api_key: str, webhook_secret: str, api_base: str, timeout: float = 30):
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.api_base = api_base
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "StripeProvider | None":
        if not (settings.STRIPE_WEBHOOK_SECRET or settings.STRIPE_API_KEY):
            return None
        return cls(
            api_key=settings.STRIPE_API_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
            timeout=settings.STRIPE_TIMEOUT_SECONDS,
        )

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            self.api_key,
            base_addresses={"api": self.api_base},
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=self.timeout),
        )

    def owns_reference(self, reference: str) -> bool:
        return bool(self.api_key) and reference.startswith("pi_")

    def payment_check(self, reference: str) -> ProviderPayment:
        try:
            intent = self.client().v1.payment_intents.retrieve(reference)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return ProviderPayment(status="unknown", provider_status="not found")
            raise ProviderUnavailable(f"Stripe: {error}") from error
        except stripe.StripeError as error:
            raise ProviderUnavailable(f"Stripe: {error}") from error
        data = intent.to_dict()
        status = _CHECK_STATUSES.get(data.get("status"), "pending")
        if status == "expired" and data.get("last_payment_error"):
            status = "failed"
        currency = str(data.get("currency") or "").upper()
        minor = data.get("amount_received") if status == "captured" else data.get("amount")
        created = data.get("created")
        mode = "" if data.get("livemode") else "test/"
        return ProviderPayment(
            status=status,
            provider_status=str(data.get("status") or ""),
            amount=amount_from_minor(minor, currency) if minor is not None else None,
            currency=currency,
            at=datetime.fromtimestamp(int(created), tz=UTC) if created else None,
            link=f"https://dashboard.stripe.com/{mode}payments/{reference}",
        )

    def charge_off_session(
        self,
        *,
        amount: Decimal,
        currency: str,
        payment_method: str,
        idempotency_key: str,
        description: str,
        metadata: dict[str, str],
    ) -> Charge:
        """Charge a saved payment method without the customer (``cus_...`` and ``pm_...``
        joined by ``/``, or a ``pm_...`` alone); raises ``ProviderUnavailable``."""
        customer, _, method = payment_method.rpartition("/")
        params: dict[str, Any] = {
            "amount": amount_to_minor(amount, currency),
            "currency": currency.lower(),
            "payment_method": method,
            "confirm": True,
            "off_session": True,
            "description": description,
            "metadata": metadata,
        }
        if customer:
            params["customer"] = customer
        try:
            intent = self.client().v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.CardError as error:
            return Charge(ok=False, message=_decline_note(error))
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise ProviderUnavailable(f"Stripe: {error.user_message or error}") from error
        except stripe.StripeError as error:
            if error.http_status is None or error.http_status >= 500:
                raise ProviderUnavailable(f"Stripe: {error}") from error
            return Charge(ok=False, message=f"Stripe refused the charge: {error.user_message}")
        if intent.status == "succeeded":
            return Charge(ok=True, reference=intent.id)
        if intent.status == "requires_action":
            return Charge(ok=False, message=_SCA_NOTE)
        return Charge(
            ok=False,
            message=f"Stripe left the charge {intent.id} {intent.status}; it was not taken.",
        )

    @property
    def notifications_on(self) -> bool:
        return bool(self.webhook_secret)

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


_SCA_NOTE = (
    "Declined: the bank asks the customer to authenticate this payment (Strong Customer "
    "Authentication), which an off-session charge cannot do; ask the customer to pay."
)


def _decline_note(error: "stripe.CardError") -> str:
    """The provider's decline code in the note staff read in accounts receivable."""
    if error.code == "authentication_required":
        return _SCA_NOTE
    decline = getattr(error.error, "decline_code", None) if error.error else None
    code = decline or error.code or "card_declined"
    return f"Card declined by Stripe (decline code {code}): {error.user_message or error}"
