"""AB-5 over HTTP: the storefront enters the upsell offer; the timer finalises it at 45
minutes; a declined charge, or no gateway at all, puts the order in accounts receivable."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from abandonment.models import Abandonment
from abandonment.services.capture import abandonment_sweep
from baskets.models import Basket, BasketEvent, Order
from completion.models import UpsellOffer
from completion.services import completion_run
from completion.tasks import upsell_finalise_task
from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import ProductFactory, UserFactory

SIMULATED = "completion.payments.SimulatedGateway"


@pytest.fixture
def storefront():
    return api_client("storefront")


def lead_over_http(storefront) -> str:
    """A guest's basket with a line and an e-mail: a lead if it were left idle."""
    ProductFactory(id="PRD-UP", price="49.00")
    guid = storefront.post("/api/baskets/", {}, format="json").json()["guid"]
    storefront.post(f"/api/baskets/{guid}/lines/", {"product_id": "PRD-UP", "quantity": 1},
                    format="json")
    storefront.patch(f"/api/baskets/{guid}/checkout/", {"email": "guest@example.com"},
                     format="json")
    return guid


@pytest.mark.parametrize(
    ("gateway", "token", "note"),
    [
        pytest.param(SIMULATED, "tok_decline_insufficient_funds", "Card declined for 49.00 EUR",
                     id="declined-charge"),
        pytest.param("", "tok_visa_4242", "No payment gateway is configured",
                     id="no-gateway-configured-by-default"),
    ],
)
@pytest.mark.django_db
def test_upsell_entered_over_http_is_finalised_at_45_minutes_into_accounts_receivable(
    storefront, settings, gateway, token, note
):
    """SPEC: AB-5, AB-1 — enter, 44:59 not finalised, 45:00 finalised; a charge that does not
    happen leaves the order in accounts receivable with a note; never captured as abandoned."""
    settings.PAYMENT_GATEWAY = gateway
    settings.BASKET_ABANDON_AFTER = timedelta(minutes=30)  # shorter than the upsell timer
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        guid = lead_over_http(storefront)

        entered = storefront.post(f"/api/baskets/{guid}/upsell/", {"payment_token": token},
                                  format="json")

        assert entered.status_code == 201, entered.json()
        assert entered.json()["finalise_at"].startswith(
            (start + timedelta(minutes=45)).isoformat()[:19])
        clock.shift(timedelta(minutes=44, seconds=59))
        assert upsell_finalise_task.apply().get() == 0
        assert abandonment_sweep() == (0, False)
        assert storefront.get(f"/api/baskets/{guid}/status/").json()["status"] == "active"
        clock.shift(timedelta(seconds=1))
        assert upsell_finalise_task.apply().get() == 1
        assert storefront.get(f"/api/baskets/{guid}/status/").json()["status"] == (
            "awaiting_completion")
        completion_run(worker="test")
        clock.shift(timedelta(hours=3))
        assert abandonment_sweep() == (0, False)

    order = Order.objects.get(basket__guid=guid)
    assert order.accounts_receivable_at == start + timedelta(minutes=45)
    assert order.accounts_receivable_note.startswith(
        "This order failed during the auto closing of an upsell order:")
    assert note in order.accounts_receivable_note
    assert not Abandonment.objects.filter(basket_guid=guid).exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"payment_token": "4111 1111 1111 1111"}, 400, id="card-number"),
        pytest.param({"payment_token": "4111111111111111"}, 400, id="card-number-digits"),
        pytest.param({"payment_token": ""}, 400, id="empty"),
        pytest.param({}, 400, id="missing"),
        pytest.param({"payment_token": "tok_1", "card": "x"}, 400, id="unknown-field"),
    ],
)
@pytest.mark.django_db
def test_entering_the_upsell_refuses_anything_but_a_token_and_changes_nothing(
    storefront, body, code
):
    """SPEC: AB-5, AC-4 — a card number is never taken for a token; bad input is a 400."""
    guid = lead_over_http(storefront)
    before = Basket.objects.values().get(guid=guid)

    response = storefront.post(f"/api/baskets/{guid}/upsell/", body, format="json")

    assert response.status_code == code
    assert "detail" in response.json()
    assert "4111" not in response.content.decode()
    assert not UpsellOffer.objects.exists()
    assert Basket.objects.values().get(guid=guid) == before


@pytest.mark.django_db
def test_entering_the_upsell_of_an_unknown_or_paid_basket_is_refused(storefront):
    """SPEC: AB-5, API-3 — unknown GUID 404, malformed 400, a basket not Active 409."""
    guid = lead_over_http(storefront)
    storefront.post(f"/api/baskets/{guid}/upsell/", {"payment_token": "tok_1"}, format="json")
    Order.objects.all().delete()
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        upsell_finalise_task.apply()

    answers = [
        storefront.post(f"/api/baskets/{path}/upsell/", {"payment_token": "tok_1"},
                        format="json").status_code
        for path in ("9d3c1f0e-0000-4000-8000-000000000000", "not-a-guid", guid)
    ]

    assert answers == [404, 400, 409]


def upsell_caller(who: str) -> APIClient:
    if who == "no-credentials":
        return APIClient()
    if who == "shopper":
        return token_client(UserFactory(username="shopper"))
    if who in ("System administrator", "Order processor"):
        return token_client(staff_user(who))
    return api_client(who)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("no-credentials", 401, id="no-credentials"),
        pytest.param("shopper", 403, id="shopper"),
        pytest.param("status", 403, id="status-reader"),
        pytest.param("payments", 403, id="payment-provider"),
        pytest.param("Order processor", 403, id="staff-order-processor"),
        pytest.param("System administrator", 403, id="staff-system-administrator"),
    ],
)
@pytest.mark.django_db
def test_only_the_storefront_enters_the_upsell_and_a_refusal_changes_nothing(
    storefront, who, code
):
    """SPEC: AB-5, AC-2 — a storefront write: other clients, shoppers and staff tokens are
    refused, and the basket and its events stay as they were."""
    guid = lead_over_http(storefront)
    before = Basket.objects.values().get(guid=guid)
    events = BasketEvent.objects.filter(basket__guid=guid).count()

    response = upsell_caller(who).post(f"/api/baskets/{guid}/upsell/",
                                       {"payment_token": "tok_1"}, format="json")

    assert response.status_code == code
    assert response.json()["detail"]
    assert not UpsellOffer.objects.exists()
    assert Basket.objects.values().get(guid=guid) == before
    assert BasketEvent.objects.filter(basket__guid=guid).count() == events


@pytest.mark.django_db
def test_the_simulated_gateway_warns_that_it_is_for_demo_data_and_tests(settings, caplog):
    """SPEC: AB-5 — the simulated gateway says so whenever it is used."""
    from completion.payments import payment_gateway

    settings.PAYMENT_GATEWAY = SIMULATED
    payment_gateway().charge(amount=1, currency="EUR", token="tok_ok", reference="R-1")

    assert "for demo data and tests only" in caplog.text
