"""Locked carts checked at the payment provider (SPEC SH-4, LC-3, LC-4, seed 003): the
provider's answer is kept as evidence (the list, the basket's timeline); under ``auto`` a
captured payment for the basket's total confirms the cart, a failed one unlocks it after
the delay; anything else stays for staff."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.models import Basket, BasketEvent, Status
from baskets.roles import ORDER_PROCESSOR, roles_ensure
from baskets.services.actors import Actor
from completion.tasks import completion_run_task
from payments.models import ProviderCheck
from payments.providers import ProviderPayment
from payments.services import locked_cart_check
from payments.services.checks import check_decide
from payments.tasks import locked_carts_check_task
from tests.support.factories import UserFactory
from tests.support.payments import intent, locked_cart
from tests.support.provider_fakes import (
    PAYPAL_CLIENT_ID,
    PAYPAL_CLIENT_SECRET,
    STRIPE_API_KEY,
    paypal_fake,
    stripe_fake,
)
from tests.support.workers import celery_workers, wait_until

STAFF = Actor.system("tests-staff")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def stripe_api(settings):
    with stripe_fake() as fake:
        settings.STRIPE_API_KEY = STRIPE_API_KEY
        settings.STRIPE_API_BASE = fake.base_url
        yield fake


def cart(**fields) -> Basket:
    return Basket(
        status=Status.LOCKED,
        total=Decimal("49.00"),
        currency="EUR",
        locked_at=NOW - timedelta(hours=fields.pop("locked_hours", 1)),
        **fields,
    )


@pytest.mark.parametrize(
    ("payment", "policy", "locked_hours", "decision"),
    [
        (
            ProviderPayment("captured", amount=Decimal("49.00"), currency="EUR"),
            "auto",
            1,
            "confirmed",
        ),
        (ProviderPayment("captured", amount=Decimal("49.00"), currency="EUR"), "staff", 1, "staff"),
        (ProviderPayment("captured", amount=Decimal("48.00"), currency="EUR"), "auto", 1, "staff"),
        (ProviderPayment("captured", amount=Decimal("49.00"), currency="USD"), "auto", 1, "staff"),
        (ProviderPayment("failed"), "auto", 25, "unlocked"),
        (ProviderPayment("cancelled"), "auto", 25, "unlocked"),
        (ProviderPayment("expired"), "auto", 25, "unlocked"),
        (ProviderPayment("failed"), "auto", 23, "staff"),
        (ProviderPayment("failed"), "staff", 25, "staff"),
        (ProviderPayment("pending"), "auto", 99, "staff"),
        (ProviderPayment("unknown"), "auto", 99, "staff"),
    ],
    ids=[
        "captured-auto",
        "captured-staff",
        "captured-other-amount",
        "captured-other-currency",
        "failed-late",
        "cancelled-late",
        "expired-late",
        "failed-early",
        "failed-staff",
        "pending",
        "unknown",
    ],
)
def test_check_decide(payment, policy, locked_hours, decision):
    """SPEC: SH-4 LC-4 — what the provider's answer does, decided from the cart alone."""
    decided = check_decide(
        basket=cart(locked_hours=locked_hours),
        payment=payment,
        policy=policy,
        unlock_after=timedelta(hours=24),
        now=NOW,
    )
    assert decided.decision == decision


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_cart_captured_at_stripe_is_confirmed_and_completed_under_auto(stripe_api):
    """SPEC: SH-4 LC-4 CB-3 — the periodic check in a real worker finds the payment captured
    for the basket's total: the cart is confirmed and becomes an order."""
    basket = locked_cart("pi_fakeLOCKED1")
    stripe_api.state["intents"] = {"pi_fakeLOCKED1": intent("pi_fakeLOCKED1", "succeeded")}
    env = {
        "STRIPE_API_KEY": STRIPE_API_KEY,
        "STRIPE_API_BASE": stripe_api.base_url,
        "LOCKED_CART_PROVIDER_DECISION": "auto",
    }
    with celery_workers(1, **env):
        locked_carts_check_task.delay()
        wait_until(
            lambda: Basket.objects.get(pk=basket.pk).status != Status.LOCKED,
            timeout=120,
            message="the worker did not check the cart",
        )
        completion_run_task.delay()
        wait_until(
            lambda: Basket.objects.get(pk=basket.pk).status == Status.COMPLETED,
            timeout=120,
            message="the confirmed cart was not completed",
        )
    check = ProviderCheck.objects.get()
    assert (check.status, check.decision, check.amount, check.currency) == (
        "captured",
        "confirmed",
        Decimal("49.000"),
        "EUR",
    )
    assert check.link == "https://dashboard.stripe.com/test/payments/pi_fakeLOCKED1"
    actions = list(
        BasketEvent.objects.filter(basket_id=basket.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions.index("lock") < actions.index("provider_check") < actions.index("confirm")
    assert actions.index("confirm") < actions.index("complete")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stripe_intent", "locked_hours_ago", "status", "kept"),
    [
        (
            intent(
                "pi_fakeF", "requires_payment_method", last_payment_error={"code": "card_declined"}
            ),
            25,
            Status.ACTIVE,
            "failed",
        ),
        (intent("pi_fakeC", "canceled"), 25, Status.ACTIVE, "cancelled"),
        (
            intent(
                "pi_fakeF", "requires_payment_method", last_payment_error={"code": "card_declined"}
            ),
            2,
            Status.LOCKED,
            "failed",
        ),
        (None, 25, Status.LOCKED, "unknown"),
        (intent("pi_fakeP", "processing"), 25, Status.LOCKED, "pending"),
    ],
    ids=[
        "failed-unlocks",
        "cancelled-unlocks",
        "failed-recently-stays",
        "unknown-stays",
        "pending-stays",
    ],
)
def test_auto_unlocks_failed_carts_and_leaves_the_rest_for_staff(
    stripe_api, settings, stripe_intent, locked_hours_ago, status, kept
):
    """SPEC: SH-4 LC-4 — under auto, failed or cancelled longer than the delay: unlocked;
    unknown, pending or recent: Locked for staff, with the answer kept."""
    settings.LOCKED_CART_PROVIDER_DECISION = "auto"
    reference = stripe_intent["id"] if stripe_intent else "pi_fakeNOBODY"
    if stripe_intent:
        stripe_api.state["intents"] = {reference: stripe_intent}
    basket = locked_cart(reference, locked_hours_ago=locked_hours_ago)
    check = locked_cart_check(basket_id=basket.pk)
    basket.refresh_from_db()
    assert basket.status == status
    assert check.status == kept
    assert check.decision == ("unlocked" if status == Status.ACTIVE else "staff")
    event = BasketEvent.objects.get(basket=basket, action="provider_check")
    assert event.payload["status"] == kept
    assert event.payload["payment_reference"] == reference


@pytest.mark.django_db
def test_a_paypal_order_is_checked_through_the_sdk(settings):
    """SPEC: SH-4 LC-3 — a PayPal order's capture is the evidence (staff decide: nothing
    changes)."""
    with paypal_fake() as fake:
        settings.PAYPAL_CLIENT_ID = PAYPAL_CLIENT_ID
        settings.PAYPAL_CLIENT_SECRET = PAYPAL_CLIENT_SECRET
        settings.PAYPAL_WEBHOOK_ID = "WH-ID"
        settings.PAYPAL_API_BASE = fake.base_url
        fake.state["orders"] = {
            "5O190127TN364715T": {
                "id": "5O190127TN364715T",
                "status": "COMPLETED",
                "purchase_units": [
                    {
                        "payments": {
                            "captures": [
                                {
                                    "id": "3C679366HH908993F",
                                    "status": "COMPLETED",
                                    "amount": {"currency_code": "EUR", "value": "49.00"},
                                    "update_time": "2026-12-04T10:00:00Z",
                                }
                            ]
                        }
                    }
                ],
            }
        }
        basket = locked_cart("5O190127TN364715T")
        check = locked_cart_check(basket_id=basket.pk)
    assert (check.provider, check.status, check.provider_status, check.decision) == (
        "paypal",
        "captured",
        "order COMPLETED, capture COMPLETED",
        "staff",
    )
    assert (check.amount, check.currency) == (Decimal("49.000"), "EUR")
    assert check.provider_time == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert check.link == "https://www.sandbox.paypal.com/activity/payment/3C679366HH908993F"
    assert Basket.objects.get(pk=basket.pk).status == Status.LOCKED


@pytest.mark.django_db
def test_staff_ask_the_provider_from_the_list_and_read_its_answer(client, stripe_api):
    """SPEC: SH-4 LC-3 AC-1 — the Order processor's button checks every locked cart; the
    answer (status, amount, time, link) is on the list and in the basket's timeline."""
    roles_ensure(Group, Permission)
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_PROCESSOR))
    client.force_login(user)
    stripe_api.state["intents"] = {"pi_fakeSTAFF1": intent("pi_fakeSTAFF1", "succeeded")}
    basket = locked_cart("pi_fakeSTAFF1")
    listed = client.get("/admin/payments/providercheck/")
    assert listed.status_code == 200
    assert b"Check locked carts at the provider now" in listed.content
    response = client.post("/admin/payments/providercheck/check-now/")
    assert response.status_code == 302
    page = client.get("/admin/payments/providercheck/").content.decode()
    assert "Captured (money received)" in page
    assert "49.000" in page
    assert "https://dashboard.stripe.com/test/payments/pi_fakeSTAFF1" in page
    assert Basket.objects.get(pk=basket.pk).status == Status.LOCKED
    detail = client.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert "Checked at the payment provider" in detail
