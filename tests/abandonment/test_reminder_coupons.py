"""AB-4 / PV-5 incentives: a reminder step may offer each recipient a unique single-use
coupon (a percentage or an amount off, valid N days), made when the mail is sent, shown in
it, applied through the normal coupon path once, and purged once expired."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from abandonment.models import ReminderSend, ReminderStep
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send
from baskets.models import Basket, Coupon
from baskets.services.coupons import coupons_expired_purge
from baskets.tasks import coupons_expired_purge_task
from tests.support.factories import BasketFactory, LineFactory, ProductFactory, UserFactory
from tests.support.recovery import basket_with_line, login_shopper

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENT = START + timedelta(hours=2)


def coupon_step(**incentive) -> ReminderStep:
    ReminderStep.objects.all().delete()
    return ReminderStep.objects.create(
        delay=timedelta(hours=1), subject="A gift", body="{{ greeting }} {{ coupon.code }}",
        coupon_valid_days=7, **incentive,
    )


def reminded_logins(*usernames: str, currency: str = "EUR") -> list[Basket]:
    with time_machine.travel(START, tick=False):
        baskets = [
            basket_with_line(
                customer=True, currency=currency,
                shop_account=login_shopper(name, email=f"{name}@example.com"),
            )
            for name in usernames
        ]
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        abandonment_sweep()
    with time_machine.travel(SENT, tick=False):
        assert basket_reminders_send() == (len(usernames), False)
    return baskets


@pytest.fixture
def storefront():
    user = UserFactory(username="storefront")
    user.groups.add(Group.objects.get_or_create(name="Storefront")[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
def test_a_coupon_step_makes_one_unique_code_per_recipient_shown_in_the_mail(mailoutbox):
    """SPEC: AB-4 PV-5 — made when the mail goes, one per recipient, single-use, issued to
    that address, valid N days, in both parts of the mail."""
    coupon_step(coupon_percent_off=Decimal("10"))

    reminded_logins("ada", "bob")

    coupons = {coupon.issued_to: coupon for coupon in Coupon.objects.all()}
    assert sorted(coupons) == ["ada@example.com", "bob@example.com"]
    assert coupons["ada@example.com"].code != coupons["bob@example.com"].code
    for address, coupon in coupons.items():
        assert coupon.single_use and coupon.percent_off == Decimal("10")
        assert (coupon.issued_at, coupon.valid_until) == (SENT, SENT + timedelta(days=7))
        assert ReminderSend.objects.get(email=address).coupon_code == coupon.code
        [mail] = [mail for mail in mailoutbox if mail.to == [address]]
        [(html, _mimetype)] = mail.alternatives
        assert f"Your personal code: {coupon.code} (-10%, valid until 03/09/2026)" in mail.body
        assert coupon.code in html


@pytest.mark.parametrize(
    ("incentive", "total"),
    [
        pytest.param({"coupon_percent_off": Decimal("10")}, "18.00", id="percent"),
        pytest.param({"coupon_amount_off": Decimal("5")}, "15.00", id="amount"),
    ],
)
@pytest.mark.django_db
@time_machine.travel(SENT + timedelta(hours=1), tick=False)
def test_the_code_applies_once_through_the_normal_coupon_path(storefront, incentive, total):
    """SPEC: AB-4 — the storefront's coupon endpoint takes it off once (an amount in the
    basket's currency); a second basket is refused and unchanged; removing it frees it."""
    coupon_step(**incentive)
    [basket] = reminded_logins("ada")
    code = Coupon.objects.get().code
    other = BasketFactory(currency="EUR", total=Decimal("20.00"))
    LineFactory(basket=other, product_id=ProductFactory(price=Decimal("10")).pk, quantity=2,
                unit_price=Decimal("10.00"))

    first = storefront.post(f"/api/baskets/{basket.guid}/coupons/", {"code": code},
                            format="json")
    again = storefront.post(f"/api/baskets/{basket.guid}/coupons/", {"code": code},
                            format="json")
    before = Basket.objects.values().get(pk=other.pk)
    second = storefront.post(f"/api/baskets/{other.guid}/coupons/", {"code": code},
                             format="json")

    assert first.status_code == 200 and first.json()["total"] == total
    assert again.status_code == 200 and again.json()["total"] == total
    assert second.status_code == 400 and second.json()["code"] == "coupon_used"
    assert Basket.objects.values().get(pk=other.pk) == before
    assert storefront.delete(f"/api/baskets/{basket.guid}/coupons/{code}/").status_code == 200
    freed = storefront.post(f"/api/baskets/{other.guid}/coupons/", {"code": code},
                            format="json")
    assert freed.status_code == 200 and freed.json()["total"] == total


@pytest.mark.django_db
@time_machine.travel(SENT + timedelta(hours=1), tick=False)
def test_an_amount_in_another_currency_takes_nothing_off(storefront):
    """SPEC: AB-4 — the amount is in the reminded basket's currency only."""
    coupon_step(coupon_amount_off=Decimal("5"))
    reminded_logins("ada", currency="DKK")
    coupon = Coupon.objects.get()
    euro = BasketFactory(currency="EUR", total=Decimal("20.00"))
    LineFactory(basket=euro, product_id=ProductFactory(price=Decimal("10")).pk, quantity=2,
                unit_price=Decimal("10.00"))

    answer = storefront.post(f"/api/baskets/{euro.guid}/coupons/", {"code": coupon.code},
                             format="json")

    assert coupon.currency == "DKK"
    assert answer.status_code == 200 and answer.json()["total"] == "20.00"


@pytest.mark.django_db
def test_expired_issued_codes_are_purged_others_stay():
    """SPEC: AB-4 — the hourly task deletes issued codes past their validity; a code still
    valid and the shop's own coupons stay."""
    coupon_step(coupon_percent_off=Decimal("10"))
    reminded_logins("ada")
    issued = Coupon.objects.get()
    Coupon.objects.create(code="WELCOME10", percent_off=Decimal("10"),
                          valid_until=START - timedelta(days=1))

    assert coupons_expired_purge(now=SENT + timedelta(days=6)) == (0, False)
    with time_machine.travel(SENT + timedelta(days=7, seconds=1), tick=False):
        assert coupons_expired_purge_task.apply().get() == 1

    assert list(Coupon.objects.values_list("code", flat=True)) == ["WELCOME10"]
    assert not Coupon.objects.filter(pk=issued.pk).exists()


@pytest.mark.django_db
def test_the_step_editor_refuses_a_percentage_and_an_amount_together(admin_client):
    """SPEC: AB-4 — one incentive per step; a form message, nothing saved."""
    step = coupon_step()
    answer = admin_client.post(f"/admin/abandonment/reminderstep/{step.pk}/change/", {
        "delay": "1 hour", "subject": "A gift", "body": "{{ greeting }}", "active": "on",
        "coupon_percent_off": "10", "coupon_amount_off": "5", "coupon_valid_days": "7",
        "texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0",
    })

    assert answer.status_code == 200
    assert "Offer a percentage or an amount off, not both." in answer.content.decode()
    step.refresh_from_db()
    assert (step.coupon_percent_off, step.coupon_amount_off) == (None, None)
