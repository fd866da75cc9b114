"""AB-1 / AB-2 / AB-6: abandonment capture, retention and recovery."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from abandonment.models import Abandonment
from abandonment.services.capture import abandonment_purge, abandonment_sweep
from baskets.models import Basket, Status
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import BasketFactory, LineFactory, basket_in_status


@pytest.mark.django_db
def test_idle_active_baskets_are_captured_once_with_their_contents(settings):
    """SPEC: AB-1 — idle past the interval, Active only, contents as they were."""
    now = timezone.now()
    idle = BasketFactory(customer=True, last_activity_at=now - timedelta(minutes=61), total="30.00")
    LineFactory(
        basket=idle, product_id="PRD-1", variant_id="PRD-1-M", quantity=3, unit_price="10.00"
    )
    fresh = BasketFactory(last_activity_at=now - timedelta(minutes=59))
    locked = basket_in_status(Status.LOCKED, last_activity_at=now - timedelta(days=1))

    assert abandonment_sweep(now=now) == (1, False)
    abandonment = Abandonment.objects.get()
    assert abandonment.basket_id == idle.pk and abandonment.basket_guid == idle.guid
    assert abandonment.shop_account_email == idle.shop_account.email
    assert abandonment.lines == [
        {"product_id": "PRD-1", "variant_id": "PRD-1-M", "quantity": 3, "unit_price": "10.00"}
    ]
    assert Basket.objects.get(pk=idle.pk).abandoned_at == now
    assert Basket.objects.get(pk=fresh.pk).abandoned_at is None
    assert Basket.objects.get(pk=locked.pk).abandoned_at is None
    assert abandonment_sweep(now=now + timedelta(hours=5)) == (1, False)  # fresh is idle by then
    assert Abandonment.objects.filter(basket=idle).count() == 1


@pytest.mark.django_db
def test_sweep_works_in_batches(settings):
    """SPEC: AB-1"""
    settings.BASKET_ABANDON_AFTER = timedelta(minutes=90)
    old = timezone.now() - timedelta(hours=3)
    BasketFactory.create_batch(7, last_activity_at=old)
    assert abandonment_sweep(batch_size=3) == (3, True)
    assert abandonment_sweep(batch_size=3) == (3, True)
    assert abandonment_sweep(batch_size=3) == (1, False)
    assert Abandonment.objects.count() == 7


@pytest.mark.django_db
def test_abandonments_are_purged_after_the_retention(settings):
    """SPEC: AB-2"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        BasketFactory(last_activity_at=start - timedelta(hours=2))
        abandonment_sweep()
        clock.shift(settings.ABANDONMENT_RETENTION - timedelta(minutes=1))
        assert abandonment_purge() == (0, False)
        clock.shift(timedelta(minutes=2))
        assert abandonment_purge() == (1, False)
    assert not Abandonment.objects.exists()


@pytest.mark.django_db
def test_an_abandoned_basket_that_becomes_an_order_counts_as_recovered():
    """SPEC: AB-6"""
    basket = paid_basket()
    Abandonment.objects.create(
        basket=basket,
        basket_guid=basket.guid,
        captured_at=timezone.now(),
        last_activity_at=timezone.now(),
        total=basket.total,
        currency=basket.currency,
    )
    completion_run(worker="test")
    assert Abandonment.objects.get(basket=basket).recovered_at is not None


@pytest.mark.django_db
def test_a_shopper_who_comes_back_and_leaves_again_is_captured_again(settings):
    """SPEC: AB-1 — activity ends an abandonment; the next idle spell is a new one."""
    from tests.support.clients import api_client
    from tests.support.factories import ProductFactory

    ProductFactory(id="PRD-1")
    client = api_client("storefront")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        guid = client.post("/api/baskets/", {}, format="json").json()["guid"]
        clock.shift(timedelta(hours=2))
        assert abandonment_sweep() == (1, False)
        clock.shift(timedelta(minutes=5))
        response = client.post(f"/api/baskets/{guid}/lines/",
                               {"product_id": "PRD-1", "quantity": 1}, format="json")
        assert response.status_code in (200, 201), response.json()
        assert Basket.objects.get(guid=guid).abandoned_at is None
        assert abandonment_sweep() == (0, False)
        clock.shift(timedelta(hours=2))
        assert abandonment_sweep() == (1, False)
    captured = Abandonment.objects.filter(basket_guid=guid).order_by("captured_at")
    assert [len(a.lines) for a in captured] == [0, 1]
