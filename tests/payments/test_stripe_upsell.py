"""The upsell charge through Stripe (SPEC AB-5, SH-4): the saved payment method is charged
off-session by Stripe's library against a local fake of Stripe's API, under the upsell's
reference as idempotency key."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from baskets.models import Basket, Order, Stage, Status
from baskets.services.actors import Actor
from completion.models import UpsellOffer
from completion.services import completion_run, upsell_enter, upsell_finalise_due
from payments.providers.stripe import NETWORK_RETRIES
from tests.support.factories import BasketFactory, LineFactory, ProductFactory
from tests.support.provider_fakes import STRIPE_API_KEY, stripe_fake

SHOPPER = Actor.system("tests-storefront")


@pytest.fixture
def stripe_api(settings):
    with stripe_fake() as fake:
        settings.PAYMENT_GATEWAY = "payments.gateway.StripeGateway"
        settings.STRIPE_API_KEY = STRIPE_API_KEY
        settings.STRIPE_API_BASE = fake.base_url
        yield fake


def basket_in_upsell(token: str) -> Basket:
    """An Active basket of 49.00 EUR whose upsell timer has run out."""
    basket = BasketFactory(stage=Stage.PAYMENT, total=Decimal("49.00"), currency="EUR")
    LineFactory(basket=basket, product_id=ProductFactory(id="PRD-UP").id, unit_price="49.00")
    Basket.objects.filter(pk=basket.pk).update(payment_started_at=timezone.now())
    upsell_enter(basket_id=basket.pk, actor=SHOPPER, payment_token=token)
    UpsellOffer.objects.filter(basket=basket).update(
        finalise_at=timezone.now() - timedelta(seconds=1)
    )
    basket.refresh_from_db()
    return basket


def charge_requests(fake) -> list[tuple[str, dict]]:
    return [
        (
            r["headers"].get("Idempotency-Key"),
            {k: v[0] for k, v in parse_qs(r["body"].decode()).items()},
        )
        for r in fake.requests
        if r["path"] == "/v1/payment_intents"
    ]


@pytest.mark.django_db
def test_an_approved_upsell_charge_pays_the_basket(stripe_api):
    """SPEC: AB-5 SH-4 — charged off-session, once, with its idempotency key: paid."""
    basket = basket_in_upsell("cus_FAKE1/pm_card_visa")
    assert upsell_finalise_due() == 1
    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION
    assert basket.payment_reference == "pi_fake0001"
    assert UpsellOffer.objects.get(basket=basket).charge_reference == "pi_fake0001"
    [(key, params)] = charge_requests(stripe_api)
    assert key == f"upsell-{basket.guid}"
    assert {
        name: params[name]
        for name in (
            "amount",
            "currency",
            "customer",
            "payment_method",
            "off_session",
            "confirm",
            "metadata[upsell_basket_guid]",
        )
    } == {
        "amount": "4900",
        "currency": "eur",
        "customer": "cus_FAKE1",
        "payment_method": "pm_card_visa",
        "off_session": "true",
        "confirm": "true",
        "metadata[upsell_basket_guid]": str(basket.guid),
    }
    # Not metadata[basket_guid]: Stripe's notification of this charge is no storefront payment.
    assert "metadata[basket_guid]" not in params


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "note"),
    [
        ("pm_card_chargeDeclinedInsufficientFunds", "decline code insufficient_funds"),
        ("pm_card_authenticationRequired", "Strong Customer Authentication"),
    ],
    ids=["declined", "sca-required"],
)
def test_a_refused_upsell_charge_goes_to_accounts_receivable(stripe_api, token, note):
    """SPEC: AB-5 SH-4 — declined (with Stripe's decline code) or needing the customer's
    authentication (its own note): the order waits in accounts receivable."""
    basket = basket_in_upsell(token)
    assert upsell_finalise_due() == 1
    completion_run(worker="test")
    order = Order.objects.get(basket=basket)
    assert order.accounts_receivable_at is not None
    assert note in order.accounts_receivable_note
    assert stripe_api.state.get("charges", []) == []


@pytest.mark.django_db
def test_a_timed_out_upsell_charge_is_retried_with_its_key_and_taken_once(stripe_api, settings):
    """SPEC: AB-5 SH-4 — Stripe's answer comes too late: the library asks again with the same
    idempotency key and gets the first charge."""
    settings.STRIPE_TIMEOUT_SECONDS = 1
    stripe_api.state.update(slow_answers=1, slow_seconds=3)
    basket = basket_in_upsell("pm_card_visa")
    assert upsell_finalise_due() == 1
    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION
    keys = [key for key, _ in charge_requests(stripe_api)]
    assert keys == [f"upsell-{basket.guid}"] * 2
    assert [charge["id"] for charge in stripe_api.state["charges"]] == ["pi_fake0001"]


@pytest.mark.django_db
def test_an_upsell_charge_timing_out_every_time_is_taken_once_by_a_later_run(stripe_api, settings):
    """SPEC: AB-5 SH-4 — Stripe unreachable for one run: the offer waits; the next run's
    charge, under the same key, is the one already taken."""
    settings.STRIPE_TIMEOUT_SECONDS = 1
    stripe_api.state.update(slow_answers=NETWORK_RETRIES + 1, slow_seconds=3)
    basket = basket_in_upsell("pm_card_visa")
    assert upsell_finalise_due() == 0
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE
    assert UpsellOffer.objects.get(basket=basket).finalised_at is None
    assert upsell_finalise_due() == 1
    basket.refresh_from_db()
    assert (basket.status, basket.payment_reference) == (Status.AWAITING_COMPLETION, "pi_fake0001")
    keys = {key for key, _ in charge_requests(stripe_api)}
    assert keys == {f"upsell-{basket.guid}"}
    assert len(charge_requests(stripe_api)) == NETWORK_RETRIES + 2
    assert [charge["id"] for charge in stripe_api.state["charges"]] == ["pi_fake0001"]
