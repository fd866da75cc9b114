"""Stripe notifications (SPEC SH-4, LC-1, AC-2): signed as Stripe signs them, verified by
Stripe's library, recorded through the one payment-result service."""

import json
import time

import pytest

from baskets.models import PaymentResult, Status
from tests.support.payments import provider_event_id, snapshot
from tests.support.provider_fakes import stripe_signature

SECRET = "whsec_test_secret"
URL = "/hooks/stripe/"


@pytest.fixture(autouse=True)
def stripe_on(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_KEY = "sk_test_fake"


def intent_event(event_type, basket, *, amount=3980, currency="eur", event_id=None):
    return {
        "id": event_id or provider_event_id("evt_", 24),
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": "pi_3PxFake0001",
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if event_type.endswith("succeeded") else 0,
                "currency": currency,
                "metadata": {"basket_guid": str(basket.guid)},
            }
        },
    }


def session_event(event_type, basket, *, payment_status="paid"):
    return {
        "id": provider_event_id("evt_", 24),
        "object": "event",
        "type": event_type,
        "data": {
            "object": {
                "id": "cs_test_fake0001",
                "object": "checkout.session",
                "amount_total": 3980,
                "currency": "eur",
                "payment_intent": "pi_3PxFake0002",
                "payment_status": payment_status,
                "metadata": {"basket_guid": str(basket.guid)},
            }
        },
    }


def post(client, event, *, secret=SECRET, at=None, body=None):
    body = body if body is not None else json.dumps(event).encode()
    signature = stripe_signature(json.dumps(event).encode(), secret, at=at)
    return client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_event", "result", "status"),
    [
        (lambda b: intent_event("payment_intent.succeeded", b), "paid", Status.AWAITING_COMPLETION),
        (lambda b: intent_event("payment_intent.processing", b), "pending", Status.LOCKED),
        (lambda b: intent_event("payment_intent.payment_failed", b), "failed", Status.ACTIVE),
        (lambda b: intent_event("payment_intent.canceled", b), "cancelled", Status.ACTIVE),
        (
            lambda b: session_event("checkout.session.completed", b),
            "paid",
            Status.AWAITING_COMPLETION,
        ),
        (
            lambda b: session_event("checkout.session.completed", b, payment_status="unpaid"),
            "pending",
            Status.LOCKED,
        ),
        (
            lambda b: session_event("checkout.session.async_payment_succeeded", b),
            "paid",
            Status.AWAITING_COMPLETION,
        ),
        (
            lambda b: session_event("checkout.session.async_payment_failed", b),
            "failed",
            Status.ACTIVE,
        ),
    ],
    ids=[
        "intent-succeeded",
        "intent-processing",
        "intent-failed",
        "intent-canceled",
        "session-completed-paid",
        "session-completed-unpaid",
        "session-async-succeeded",
        "session-async-failed",
    ],
)
def test_each_stripe_event_gives_its_payment_result(client, at_payment, make_event, result, status):
    """SPEC: SH-4 LC-1 — each mapped Stripe event is the payment result it means."""
    basket = at_payment()
    event = make_event(basket)
    response = post(client, event)
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "applied"
    basket.refresh_from_db()
    assert basket.status == status
    row = PaymentResult.objects.get()
    assert (row.result, row.outcome, row.idempotency_key, row.basket_id) == (
        result,
        "applied",
        f"stripe:{event['id']}",
        basket.pk,
    )
    assert row.provider_reference.startswith("pi_3PxFake")
    assert (str(row.amount), row.currency) == ("39.80", "EUR")


@pytest.mark.django_db
def test_a_replayed_stripe_event_changes_nothing(client, at_payment):
    """SPEC: SH-4 — the event id is the idempotency key: a repeat answers 200, no change."""
    basket = at_payment()
    event = intent_event("payment_intent.succeeded", basket)
    assert post(client, event).status_code == 200
    before = snapshot()
    response = post(client, event)
    assert response.status_code == 200
    assert snapshot() == before
    assert PaymentResult.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        lambda event: {
            "body": json.dumps(
                {**event, "type": "payment_intent.succeeded", "id": "evt_other"}
            ).encode()
        },
        lambda event: {"secret": "whsec_someone_else"},
        lambda event: {"at": time.time() - 6 * 60},
    ],
    ids=["tampered-body", "wrong-secret", "six-minutes-old"],
)
def test_a_bad_stripe_signature_is_400_and_writes_nothing(client, at_payment, forge, caplog):
    """SPEC: SH-4 AC-2 — not Stripe's (tampered, other secret, too old): 400, a log line."""
    basket = at_payment()
    event = intent_event("payment_intent.succeeded", basket)
    before = snapshot()
    response = post(client, event, **forge(event))
    assert response.status_code == 400
    assert response.json()["code"] == "not_verified"
    assert snapshot() == before
    assert any("stripe notification refused" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_a_stripe_payment_in_another_currency_goes_to_reconciliation(client, at_payment):
    """SPEC: SH-4 AC-2 — paid in USD for a EUR basket: nothing changes, kept for staff."""
    basket = at_payment()
    response = post(client, intent_event("payment_intent.succeeded", basket, currency="usd"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "reconciliation"
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE
    row = PaymentResult.objects.get()
    assert (row.outcome, row.currency, row.basket_id) == ("reconciliation", "USD", basket.pk)
    assert "does not match" in row.note


@pytest.mark.django_db
def test_a_stripe_payment_for_an_unknown_basket_is_kept_for_reconciliation(client, at_payment):
    """SPEC: SH-4 — a GUID Basket Ops never had: recorded for staff, a replay adds nothing."""
    stranger = at_payment()
    event = intent_event("payment_intent.succeeded", stranger)
    stranger_guid = stranger.guid
    stranger.delete()
    PaymentResult.objects.all().delete()
    assert post(client, event).status_code == 200
    assert post(client, event).status_code == 200
    row = PaymentResult.objects.get()
    assert (row.basket_guid, row.basket_id, row.outcome) == (stranger_guid, None, "reconciliation")


@pytest.mark.django_db
def test_a_stripe_event_not_used_or_without_basket_is_acknowledged(client, at_payment):
    """SPEC: SH-4 — other event types and payments without a basket GUID change nothing."""
    basket = at_payment()
    before = snapshot()
    other = intent_event("charge.refund.updated", basket)
    no_guid = intent_event("payment_intent.succeeded", basket)
    no_guid["data"]["object"]["metadata"] = {}
    assert [post(client, other).json()["outcome"], post(client, no_guid).json()["outcome"]] == [
        "ignored",
        "ignored",
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_stripe_notifications_are_404_when_stripe_is_not_configured(client, at_payment, settings):
    """SPEC: SH-4 — no webhook secret: the provider is off and its URL is not there."""
    settings.STRIPE_WEBHOOK_SECRET = ""
    basket = at_payment()
    before = snapshot()
    assert post(client, intent_event("payment_intent.succeeded", basket)).status_code == 404
    assert snapshot() == before
