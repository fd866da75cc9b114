"""PayPal notifications (SPEC SH-4, LC-1, AC-2): signed as PayPal signs them and checked by
PayPal's verify-webhook-signature call (a local fake of PayPal's API, the SDK's OAuth
pointed at it), recorded through the one payment-result service."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from baskets.models import PaymentResult, Status
from tests.support.payments import provider_event_id, snapshot
from tests.support.provider_fakes import (
    PAYPAL_CLIENT_ID,
    PAYPAL_CLIENT_SECRET,
    paypal_fake,
    paypal_headers,
)

WEBHOOK_ID = "8PT597110X687430LKGECATA"
URL = "/hooks/paypal/"


@pytest.fixture
def paypal(settings):
    with paypal_fake() as fake:
        settings.PAYPAL_CLIENT_ID = PAYPAL_CLIENT_ID
        settings.PAYPAL_CLIENT_SECRET = PAYPAL_CLIENT_SECRET
        settings.PAYPAL_WEBHOOK_ID = WEBHOOK_ID
        settings.PAYPAL_API_BASE = fake.base_url
        yield fake


def event(event_type, basket, *, value="39.80", currency="EUR", event_id=None):
    money = {"currency_code": currency, "value": value}
    if event_type == "CHECKOUT.ORDER.APPROVED":
        resource = {
            "id": "5O190127TN364715T",
            "status": "APPROVED",
            "purchase_units": [{"custom_id": str(basket.guid), "amount": money}],
        }
    else:
        resource = {"id": "3C679366HH908993F", "custom_id": str(basket.guid), "amount": money}
    return {
        "id": event_id or provider_event_id("WH-", 17).upper(),
        "event_version": "1.0",
        "resource_type": "capture",
        "event_type": event_type,
        "resource": resource,
    }


def post(client, payload, *, webhook_id=WEBHOOK_ID, at=None, body=None):
    signed = json.dumps(payload).encode()
    headers = paypal_headers(signed, webhook_id, at=at)
    extra = {f"HTTP_{name.replace('-', '_')}": value for name, value in headers.items()}
    return client.post(
        URL, data=body if body is not None else signed, content_type="application/json", **extra
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event_type", "result", "status"),
    [
        ("CHECKOUT.ORDER.APPROVED", "pending", Status.LOCKED),
        ("PAYMENT.CAPTURE.COMPLETED", "paid", Status.AWAITING_COMPLETION),
        ("PAYMENT.CAPTURE.PENDING", "pending", Status.LOCKED),
        ("PAYMENT.CAPTURE.DENIED", "failed", Status.ACTIVE),
        ("PAYMENT.CAPTURE.REFUNDED", "cancelled", Status.ACTIVE),
    ],
    ids=[
        "order-approved",
        "capture-completed",
        "capture-pending",
        "capture-denied",
        "capture-refunded",
    ],
)
def test_each_paypal_event_gives_its_payment_result(
    client, paypal, at_payment, event_type, result, status
):
    """SPEC: SH-4 LC-1 — each mapped PayPal event is the payment result it means."""
    basket = at_payment()
    payload = event(event_type, basket)
    response = post(client, payload)
    assert response.status_code == 200, response.content
    basket.refresh_from_db()
    assert basket.status == status
    row = PaymentResult.objects.get()
    assert (row.result, row.outcome, row.idempotency_key, row.basket_id) == (
        result,
        "applied",
        f"paypal:{payload['id']}",
        basket.pk,
    )
    assert (str(row.amount), row.currency) == ("39.80", "EUR")
    # PayPal itself was asked, for the configured webhook, with the SDK's OAuth token.
    verify = [r for r in paypal.requests if r["path"].endswith("verify-webhook-signature")]
    assert len(verify) == 1
    assert json.loads(verify[0]["body"])["webhook_id"] == WEBHOOK_ID


@pytest.mark.django_db
def test_a_replayed_paypal_event_changes_nothing(client, paypal, at_payment):
    """SPEC: SH-4 — the event id is the idempotency key: a repeat answers 200, no change."""
    basket = at_payment()
    payload = event("PAYMENT.CAPTURE.COMPLETED", basket)
    assert post(client, payload).status_code == 200
    before = snapshot()
    assert post(client, payload).status_code == 200
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        lambda payload: {"body": json.dumps({**payload, "id": "WH-OTHER"}).encode()},
        lambda payload: {"webhook_id": "ANOTHER-SHOPS-WEBHOOK"},
        lambda payload: {"at": datetime.now(UTC) - timedelta(minutes=6)},
    ],
    ids=["tampered-body", "other-webhook", "six-minutes-old"],
)
def test_a_bad_paypal_signature_is_400_and_writes_nothing(client, paypal, at_payment, forge):
    """SPEC: SH-4 AC-2 — not PayPal's for this webhook, or too old: 400, nothing written."""
    basket = at_payment()
    payload = event("PAYMENT.CAPTURE.COMPLETED", basket)
    before = snapshot()
    response = post(client, payload, **forge(payload))
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.django_db
def test_a_paypal_payment_in_another_currency_goes_to_reconciliation(client, paypal, at_payment):
    """SPEC: SH-4 AC-2 — captured in USD for a EUR basket: nothing changes, kept for staff."""
    basket = at_payment()
    response = post(client, event("PAYMENT.CAPTURE.COMPLETED", basket, currency="USD"))
    assert response.status_code == 200
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE
    row = PaymentResult.objects.get()
    assert (row.outcome, row.currency, row.basket_id) == ("reconciliation", "USD", basket.pk)


@pytest.mark.django_db
def test_paypal_unreachable_is_503_and_writes_nothing(client, paypal, at_payment, settings):
    """SPEC: SH-4 — the signature cannot be checked: PayPal is asked to send it again."""
    basket = at_payment()
    settings.PAYPAL_CLIENT_SECRET = "revoked"
    before = snapshot()
    assert post(client, event("PAYMENT.CAPTURE.COMPLETED", basket)).status_code == 503
    assert snapshot() == before


@pytest.mark.django_db
def test_paypal_notifications_are_404_when_paypal_is_not_configured(client, at_payment):
    """SPEC: SH-4 — no PayPal settings: the provider is off and its URL is not there."""
    basket = at_payment()
    assert post(client, event("PAYMENT.CAPTURE.COMPLETED", basket)).status_code == 404
