"""PayPal (SH-4), through PayPal's official server SDK.

Notifications are checked by PayPal itself: its verify-webhook-signature call (REST; the
SDK has none) for the configured ``PAYPAL_WEBHOOK_ID``, authenticated with the SDK's OAuth
client credentials. The event is sent back byte for byte, as PayPal's signature covers the
exact body. A transmission older than 5 minutes is refused before asking (replays). The
storefront puts the basket's GUID in the order's purchase unit ``custom_id``."""

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from django.conf import settings
from django.utils import timezone
from paypalserversdk.configuration import Configuration, Environment
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.exceptions.error_exception import ErrorException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient
from requests import RequestException

from baskets.models import PaymentResult

from ..exceptions import NotificationRefused, ProviderUnavailable
from .base import Notification, ProviderPayment

Result = PaymentResult.Result
TRANSMISSION_TOLERANCE = timedelta(minutes=5)
API_BASES = {
    "live": "https://api-m.paypal.com",
    "sandbox": "https://api-m.sandbox.paypal.com",
}
# Connect and read timeouts of the verification call: PayPal retries a notification we
# could not check, so waiting longer gains nothing.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_RESULTS = {
    # The buyer approved the order; nothing is captured yet.
    "CHECKOUT.ORDER.APPROVED": Result.PENDING,
    "PAYMENT.CAPTURE.COMPLETED": Result.PAID,
    "PAYMENT.CAPTURE.PENDING": Result.PENDING,
    "PAYMENT.CAPTURE.DENIED": Result.FAILED,
    # Money given back: a basket still waiting is not paid; one already paid goes to
    # reconciliation (the payment service's rule for late results).
    "PAYMENT.CAPTURE.REFUNDED": Result.CANCELLED,
}
# An order or capture's status as a locked cart's evidence (ProviderCheck.Status).
_ORDER_STATUSES = {
    "CREATED": "expired",
    "SAVED": "expired",
    "APPROVED": "expired",
    "PAYER_ACTION_REQUIRED": "expired",
    "VOIDED": "cancelled",
}
_CAPTURE_STATUSES = {
    "COMPLETED": "captured",
    "PENDING": "pending",
    "DECLINED": "failed",
    "FAILED": "failed",
    "REFUNDED": "cancelled",
    "PARTIALLY_REFUNDED": "cancelled",
}
_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


class _Configuration(Configuration):
    """The SDK's configuration with the API base from settings (PayPal's by default)."""

    api_base = ""

    def get_base_uri(self, server=None):
        return self.api_base


class PayPalProvider:
    name: ClassVar[str] = "paypal"

    def __init__(self, *, client_id: str, client_secret: str, webhook_id: str, api_base: str):
        self.webhook_id = webhook_id
        self.api_base = api_base.rstrip("/")
        configuration = _Configuration(
            environment=Environment.SANDBOX,
            client_credentials_auth_credentials=ClientCredentialsAuthCredentials(
                o_auth_client_id=client_id, o_auth_client_secret=client_secret
            ),
            timeout=10,
        )
        configuration.api_base = self.api_base
        self.client = PaypalServersdkClient(config=configuration)

    @classmethod
    def from_settings(cls) -> "PayPalProvider | None":
        required = (settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET)
        if not (all(required) and settings.PAYPAL_WEBHOOK_ID):
            return None
        return cls(
            client_id=settings.PAYPAL_CLIENT_ID,
            client_secret=settings.PAYPAL_CLIENT_SECRET,
            webhook_id=settings.PAYPAL_WEBHOOK_ID,
            api_base=settings.PAYPAL_API_BASE or API_BASES[settings.PAYPAL_ENVIRONMENT],
        )

    notifications_on = True

    def notification_verify(self, *, body: bytes, headers: Mapping[str, str]) -> Notification:
        signed = {field: headers.get(header, "") for field, header in _HEADERS.items()}
        if not all(signed.values()):
            raise NotificationRefused("PayPal signature headers missing")
        sent_at = _parse_time(signed["transmission_time"])
        if sent_at is None or abs(timezone.now() - sent_at) > TRANSMISSION_TOLERANCE:
            raise NotificationRefused("PayPal transmission time missing or too old")
        try:
            event = json.loads(body)
            text = body.decode("utf-8")
        except (ValueError, UnicodeDecodeError) as error:
            raise NotificationRefused("Not a PayPal event") from error
        if not isinstance(event, dict):
            raise NotificationRefused("Not a PayPal event")
        if self._verification_status(signed, text) != "SUCCESS":
            raise NotificationRefused("PayPal did not verify the signature")
        return _notification(event)

    def owns_reference(self, reference: str) -> bool:
        # PayPal's order and capture ids: 17 upper-case letters and digits.
        return len(reference) == 17 and reference.isalnum() and reference.isupper()

    def payment_check(self, reference: str) -> ProviderPayment:
        """The order (its last capture), or the capture when the reference is one."""
        order = self._get(self.client.orders.get_order, {"id": reference})
        if order is not None:
            return self._order_payment(order)
        capture = self._get(self.client.payments.get_captured_payment, {"capture_id": reference})
        if capture is None:
            return ProviderPayment(status="unknown", provider_status="not found")
        return self._capture_payment(capture, order_status="")

    def _get(self, call, options) -> dict[str, Any] | None:
        try:
            response = call(options)
        except ErrorException as error:
            if error.response_code == 404:
                return None
            raise ProviderUnavailable(f"PayPal: {error}") from error
        except (ApiException, AuthValidationException, RequestException) as error:
            raise ProviderUnavailable(f"PayPal: {error}") from error
        try:
            answer = json.loads(response.text)
        except ValueError as error:
            raise ProviderUnavailable("PayPal answered no JSON") from error
        return answer if isinstance(answer, dict) else None

    def _link(self, payment_id: str) -> str:
        live = self.api_base == API_BASES["live"]
        host = "www.paypal.com" if live else "www.sandbox.paypal.com"
        return f"https://{host}/activity/payment/{payment_id}"

    def _order_payment(self, order: dict[str, Any]) -> ProviderPayment:
        status = str(order.get("status") or "")
        units = order.get("purchase_units") or [{}]
        unit = units[0] if isinstance(units[0], dict) else {}
        captures = (unit.get("payments") or {}).get("captures") or []
        if captures and isinstance(captures[-1], dict):
            return self._capture_payment(captures[-1], order_status=status)
        money = unit.get("amount") or {}
        return ProviderPayment(
            status=_ORDER_STATUSES.get(status, "pending"),
            provider_status=f"order {status}",
            amount=_decimal(money.get("value")),
            currency=str(money.get("currency_code") or "").upper(),
            at=_parse_time(str(order.get("update_time") or order.get("create_time") or "")),
            link=self._link(str(order.get("id") or "")),
        )

    def _capture_payment(self, capture: dict[str, Any], *, order_status: str) -> ProviderPayment:
        status = str(capture.get("status") or "")
        money = capture.get("amount") or {}
        prefix = f"order {order_status}, " if order_status else ""
        return ProviderPayment(
            status=_CAPTURE_STATUSES.get(status, "pending"),
            provider_status=f"{prefix}capture {status}",
            amount=_decimal(money.get("value")),
            currency=str(money.get("currency_code") or "").upper(),
            at=_parse_time(str(capture.get("update_time") or capture.get("create_time") or "")),
            link=self._link(str(capture.get("id") or "")),
        )

    def _access_token(self) -> str:
        try:
            return self.client.oauth_2.fetch_token().access_token
        except (ApiException, RequestException) as error:
            raise ProviderUnavailable(f"PayPal OAuth token: {error}") from error

    def _verification_status(self, signed: dict[str, str], event_text: str) -> str:
        # The event goes back as received, spliced in rather than re-serialised.
        request = json.dumps({**signed, "webhook_id": self.webhook_id})[:-1]
        request += f', "webhook_event": {event_text}}}'
        try:
            response = httpx.post(
                f"{self.api_base}/v1/notifications/verify-webhook-signature",
                content=request.encode("utf-8"),
                headers={
                    "Authorization": f"Bearer {self._access_token()}",
                    "Content-Type": "application/json",
                },
                timeout=TIMEOUT,
                follow_redirects=False,
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"PayPal signature check: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"PayPal signature check: HTTP {response.status_code}")
        if response.status_code != 200:
            return ""
        try:
            return str(response.json().get("verification_status", ""))
        except (ValueError, AttributeError):
            return ""


def _parse_time(text: str) -> datetime | None:
    try:
        sent_at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return sent_at if sent_at.tzinfo else None


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _notification(event: dict[str, Any]) -> Notification:
    event_id, event_type = str(event.get("id") or ""), str(event.get("event_type") or "")
    resource = event.get("resource")
    result = _RESULTS.get(event_type, "")
    if not (event_id and result and isinstance(resource, dict)):
        return Notification(event_id=event_id, event_type=event_type, result="")
    if event_type == "CHECKOUT.ORDER.APPROVED":
        units = resource.get("purchase_units") or [{}]
        unit = units[0] if isinstance(units[0], dict) else {}
        guid, money = unit.get("custom_id"), unit.get("amount")
    else:
        guid, money = resource.get("custom_id"), resource.get("amount")
    money = money if isinstance(money, dict) else {}
    try:
        amount = Decimal(str(money["value"]))
    except (KeyError, InvalidOperation):
        amount = None
    return Notification(
        event_id=event_id,
        event_type=event_type,
        result=result,
        basket_guid=str(guid or ""),
        amount=amount,
        currency=str(money.get("currency_code") or "").upper(),
        reference=str(resource.get("id") or ""),
    )
