"""AB-5: the upsell timer finalises the order; a failed charge lands in accounts receivable."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from baskets.models import Basket, BasketEvent, Order, Status
from baskets.services.actors import Actor
from completion.models import UpsellOffer
from completion.services import completion_run, upsell_enter, upsell_finalise_due, upsell_finish
from tests.support.completion import paid_basket
from tests.support.factories import LineFactory, ProductFactory, basket_in_status

SHOPPER = Actor.system("storefront")
SIMULATED = "completion.payments.SimulatedGateway"


@pytest.fixture(autouse=True)
def simulated_gateway(settings):
    """These tests choose the charge's outcome by token: the demo and test gateway."""
    settings.PAYMENT_GATEWAY = SIMULATED


def basket_in_upsell(token: str):
    basket = basket_in_status(Status.ACTIVE, total="49.00")
    product = ProductFactory(id="PRD-UP")
    LineFactory(basket=basket, product_id=product.id, unit_price="49.00")
    upsell_enter(basket_id=basket.pk, actor=SHOPPER, payment_token=token)
    return basket


@pytest.mark.django_db
def test_order_is_finalised_after_45_minutes_not_before():
    """SPEC: AB-5"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = basket_in_upsell("tok_visa_ok")
        clock.shift(timedelta(minutes=44, seconds=59))
        assert upsell_finalise_due() == 0
        assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE
        clock.shift(timedelta(seconds=1))
        assert upsell_finalise_due() == 1
        basket.refresh_from_db()
        assert basket.status == Status.AWAITING_COMPLETION
        assert basket.payment_reference.startswith("SIM-")
        assert completion_run(worker="test").completed == 1
    order = Order.objects.get(basket=basket)
    assert order.accounts_receivable_at is None
    assert upsell_finalise_due() == 0, "finalised once only"


@pytest.mark.django_db
def test_failed_charge_puts_the_order_in_accounts_receivable_with_a_note():
    """SPEC: AB-5"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = basket_in_upsell("tok_decline_insufficient_funds")
        clock.shift(timedelta(minutes=45))
        assert upsell_finalise_due() == 1
        completion_run(worker="test")
    order = Order.objects.get(basket=basket)
    assert order.accounts_receivable_at is not None
    assert "failed during the auto closing of an upsell order" in order.accounts_receivable_note
    assert "Card declined" in order.accounts_receivable_note
    event = BasketEvent.objects.get(basket=basket, action="finalise_unpaid")
    assert event.actor_label == "system:upsell"


@pytest.mark.django_db
def test_a_shopper_who_finishes_stops_the_timer():
    """SPEC: AB-5"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = basket_in_upsell("tok_visa_ok")
        upsell_finish(basket_id=basket.pk, actor=SHOPPER)
        clock.shift(timedelta(hours=2))
        assert upsell_finalise_due() == 0
    assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_gateway_outage_leaves_the_offer_for_the_next_run():
    """SPEC: AB-5"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = basket_in_upsell("tok_unavailable")
        clock.shift(timedelta(minutes=46))
        assert upsell_finalise_due() == 0
        offer = UpsellOffer.objects.get(basket=basket)
        assert offer.finalised_at is None
    assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_accounts_receivable_filter_in_the_admin(admin_client):
    """SPEC: AB-5"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        declined = basket_in_upsell("tok_decline")
        clock.shift(timedelta(minutes=45))
        upsell_finalise_due()
    paid = paid_basket()
    completion_run(worker="test")
    page = admin_client.get("/admin/baskets/order/", {"accounts_receivable": "yes"})
    assert [order.basket_id for order in page.context["cl"].result_list] == [declined.pk]
    page = admin_client.get("/admin/baskets/order/", {"accounts_receivable": "no"})
    assert [order.basket_id for order in page.context["cl"].result_list] == [paid.pk]
