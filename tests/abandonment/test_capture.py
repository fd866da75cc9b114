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


def lead_basket(*, last_activity_at, lines: int = 1, login: bool = True, email: str = ""):
    """A basket the storefront filled: a login's (its address) or a guest's (``email``)."""
    basket = BasketFactory(customer=login, last_activity_at=last_activity_at, email=email)
    for _ in range(lines):
        LineFactory(basket=basket)
    return basket


@pytest.mark.django_db
def test_idle_active_lead_baskets_are_captured_once_with_their_contents():
    """SPEC: AB-1 — idle past the interval, Active only, contents and contact as they were."""
    now = timezone.now()
    idle = BasketFactory(
        customer=True,
        last_activity_at=now - timedelta(minutes=61),
        total="30.00",
        coupon_codes=["SPRING10"],
        payment_address={"name": "Ada Lovelace", "phone": "+44 20 7946 0000"},
    )
    LineFactory(
        basket=idle, product_id="PRD-1", variant_id="PRD-1-M", quantity=3, unit_price="10.00"
    )
    fresh = lead_basket(last_activity_at=now - timedelta(minutes=59, seconds=59))
    locked = basket_in_status(Status.LOCKED, last_activity_at=now - timedelta(days=1))
    LineFactory(basket=locked)

    assert abandonment_sweep(now=now) == (1, False)
    abandonment = Abandonment.objects.get()
    assert abandonment.basket_id == idle.pk and abandonment.basket_guid == idle.guid
    assert abandonment.email == abandonment.shop_account_email == idle.shop_account.email
    assert abandonment.name == idle.shop_account.name
    assert abandonment.coupon_codes == ["SPRING10"]
    assert abandonment.payment_address == {"name": "Ada Lovelace", "phone": "+44 20 7946 0000"}
    assert abandonment.lines == [
        {"product_id": "PRD-1", "variant_id": "PRD-1-M", "quantity": 3, "unit_price": "10.00"}
    ]
    assert Basket.objects.get(pk=idle.pk).abandoned_at == now
    assert Basket.objects.get(pk=fresh.pk).abandoned_at is None
    assert Basket.objects.get(pk=locked.pk).abandoned_at is None
    assert abandonment_sweep(now=now + timedelta(hours=5)) == (1, False)  # fresh is idle by then
    assert Abandonment.objects.filter(basket=idle).count() == 1


SEED_004_CASES = [
    # (interval minutes, idle minutes, lines, login, guest e-mail, captured)
    pytest.param(60, 59, 1, True, "", False, id="idle-59-min-not-yet"),
    pytest.param(60, 60, 1, True, "", True, id="1-item-and-e-mail-idle-60-min-captured"),
    pytest.param(60, 61, 1, False, "guest@example.com", True, id="guest-e-mail-captured"),
    pytest.param(60, 600, 1, False, "", False, id="no-e-mail-never"),
    pytest.param(60, 600, 0, True, "", False, id="no-item-never"),
    pytest.param(120, 90, 1, True, "", False, id="120-min-interval-idle-90-not-captured"),
    pytest.param(120, 121, 1, True, "", True, id="120-min-interval-idle-121-captured"),
]


@pytest.mark.parametrize(
    ("interval", "idle", "lines", "login", "email", "captured"), SEED_004_CASES
)
@pytest.mark.django_db
def test_seed_004_a_cart_with_an_item_and_an_e_mail_is_captured_after_the_interval(
    settings, interval, idle, lines, login, email, captured
):
    """SPEC: AB-1 — seed 004: leads are carts with at least one item and an e-mail, captured
    once the abandonment interval (default 60 minutes, configurable) has passed."""
    settings.BASKET_ABANDON_AFTER = timedelta(minutes=interval)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = lead_basket(last_activity_at=start, lines=lines, login=login, email=email)
        clock.shift(timedelta(minutes=idle))

        count, _ = abandonment_sweep()

    assert count == int(captured)
    assert Abandonment.objects.filter(basket=basket).count() == int(captured)
    expected_email = basket.shop_account.email if login else email
    if captured:
        assert Abandonment.objects.get(basket=basket).email == expected_email


@pytest.mark.django_db
def test_a_paid_basket_or_one_in_an_upsell_offer_is_never_captured():
    """SPEC: AB-1, AB-5 — paid and upsell baskets become orders, they are not leads."""
    from baskets.services.actors import Actor
    from completion.services import upsell_enter

    now = timezone.now()
    upsell = lead_basket(last_activity_at=now - timedelta(days=1))
    upsell_enter(basket_id=upsell.pk, actor=Actor.system("tests"), payment_token="tok_ok")
    Basket.objects.filter(pk=upsell.pk).update(last_activity_at=now - timedelta(days=1))
    paid = paid_basket(last_activity_at=now - timedelta(days=1))

    assert abandonment_sweep(now=now) == (0, False)
    assert not Abandonment.objects.filter(basket__in=[upsell, paid]).exists()


@pytest.mark.django_db
def test_sweep_works_in_batches(settings):
    """SPEC: AB-1"""
    settings.BASKET_ABANDON_AFTER = timedelta(minutes=90)
    old = timezone.now() - timedelta(hours=3)
    for _ in range(7):
        lead_basket(last_activity_at=old)
    assert abandonment_sweep(batch_size=3) == (3, True)
    assert abandonment_sweep(batch_size=3) == (3, True)
    assert abandonment_sweep(batch_size=3) == (1, False)
    assert Abandonment.objects.count() == 7


@pytest.mark.django_db
def test_abandonments_are_purged_after_the_retention(settings):
    """SPEC: AB-2"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        lead_basket(last_activity_at=start - timedelta(hours=2))
        assert abandonment_sweep() == (1, False)
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
    """SPEC: AB-1 — a guest's checkout e-mail makes a lead; activity ends an abandonment;
    the next idle spell is a new one."""
    from tests.support.clients import api_client
    from tests.support.factories import ProductFactory

    ProductFactory(id="PRD-1")
    client = api_client("storefront")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        guid = client.post("/api/baskets/", {}, format="json").json()["guid"]
        client.post(f"/api/baskets/{guid}/lines/", {"product_id": "PRD-1", "quantity": 1},
                    format="json")
        response = client.patch(f"/api/baskets/{guid}/checkout/", {"email": "guest@example.com"},
                                format="json")
        assert response.status_code == 200, response.json()
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
    assert [(a.email, a.lines[0]["quantity"]) for a in captured] == [
        ("guest@example.com", 1), ("guest@example.com", 2)]
