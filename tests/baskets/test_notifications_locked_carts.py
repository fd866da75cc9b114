"""Locked carts in the background (SPEC LC-1, LC-5): the lock sweep for shoppers who never
came back, the once-per-lock staff alert, and the daily staff e-mail."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from baskets.models import Basket, BasketEvent, Stage, Status
from baskets.services.actors import Actor
from baskets.services.locked_cart_sweeps import locked_cart_alert_send, locked_cart_sweep
from baskets.services.locked_carts import locked_cart_delete
from baskets.services.payments import payment_result_record
from baskets.services.transitions import basket_lock, basket_unlock
from baskets.tasks import locked_cart_sweep_task
from completion.tasks import daily_notification_task
from tests.support.factories import BasketFactory, LineFactory, basket_in_status

SYSTEM = Actor.system("tests")
START = timezone.now().replace(microsecond=0) - timedelta(days=2)


def payment_started(minutes_ago: int, **fields) -> Basket:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    basket = BasketFactory(stage=Stage.PAYMENT, created_at=at)
    LineFactory(basket=basket)
    Basket.objects.filter(pk=basket.pk).update(payment_started_at=at, **fields)
    return basket


@pytest.mark.django_db
def test_sweep_locks_only_payments_with_no_result_and_no_return(settings):
    """SPEC: LC-1 — no result and no return within PAYMENT_NO_RETURN_LOCK_AFTER: Locked."""
    settings.PAYMENT_NO_RETURN_LOCK_AFTER = timedelta(minutes=30)
    with time_machine.travel(START, tick=False):
        gone = payment_started(31)
        came_back = payment_started(31, payment_returned_at=timezone.now())
        has_result = payment_started(31, payment_result_at=timezone.now())
        recent = payment_started(29)
        never_started = BasketFactory(created_at=timezone.now() - timedelta(hours=3))
        assert locked_cart_sweep() == (1, False)
        assert locked_cart_sweep() == (0, False)

    statuses = dict(Basket.objects.values_list("pk", "status"))
    assert statuses == {
        gone.pk: Status.LOCKED,
        came_back.pk: Status.ACTIVE,
        has_result.pk: Status.ACTIVE,
        recent.pk: Status.ACTIVE,
        never_started.pk: Status.ACTIVE,
    }
    event = BasketEvent.objects.get(basket=gone, action="lock")
    assert event.actor_label == "system:locked-carts"
    assert "neither came back from the payment page" in event.reason

    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert locked_cart_sweep() == (1, False)  # the recent one is now overdue
    assert Basket.objects.get(pk=recent.pk).status == Status.LOCKED


@pytest.mark.django_db
def test_sweep_works_in_batches_and_the_task_requeues_itself(settings):
    """SPEC: LC-1 — set-based in batches; (count, has_more)."""
    settings.PAYMENT_NO_RETURN_LOCK_AFTER = timedelta(minutes=10)
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            payment_started(11)
        assert locked_cart_sweep(batch_size=2) == (2, True)
        assert locked_cart_sweep(batch_size=2) == (2, True)
        assert locked_cart_sweep(batch_size=2) == (1, False)
        for _ in range(3):
            payment_started(11)
        assert locked_cart_sweep_task() == 3
    assert Basket.objects.filter(status=Status.LOCKED).count() == 8


@pytest.mark.django_db
def test_staff_are_alerted_once_per_lock_after_30_minutes(settings, mailoutbox):
    """SPEC: LC-1 LC-2 — one alert per lock, after LOCKED_CART_ALERT_AFTER."""
    settings.LOCKED_CART_ALERT_AFTER = timedelta(minutes=30)
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    with time_machine.travel(START, tick=False):
        basket = basket_in_status(Status.LOCKED, total="42.00")
        Basket.objects.filter(pk=basket.pk).update(
            masked_card_number="************4242", payment_reference="PP-9"
        )
    with time_machine.travel(START + timedelta(minutes=29), tick=False):
        assert locked_cart_alert_send() == (0, False)
    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        assert locked_cart_alert_send() == (1, False)
        assert locked_cart_alert_send() == (0, False)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ops@example.com"]
    assert "1 cart(s) locked for over 30 minutes" in mail.subject
    assert str(basket.guid) in mail.body and "************4242" in mail.body
    assert "PP-9" in mail.body and f"/admin/baskets/basket/{basket.pk}/change/" in mail.body

    with time_machine.travel(START + timedelta(minutes=40), tick=False):
        basket_unlock(basket_id=basket.pk, actor=SYSTEM)
        basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending again")
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        assert locked_cart_alert_send() == (1, False)
        assert locked_cart_alert_send() == (0, False)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_no_alert_while_the_live_system_messages_setting_is_off(settings, mailoutbox):
    """SPEC: LC-2 — "Email system messages" off in the admin: no alert, nothing claimed; on
    again: the cart is alerted once."""
    from constance import config

    settings.EMAIL_SYSTEM_MESSAGES = True  # the environment's default says on
    settings.LOCKED_CART_ALERT_AFTER = timedelta(minutes=30)
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    with time_machine.travel(START, tick=False):
        basket = basket_in_status(Status.LOCKED)
    config.EMAIL_SYSTEM_MESSAGES = False
    with time_machine.travel(START + timedelta(minutes=31), tick=False):
        assert locked_cart_alert_send() == (0, False)
    assert mailoutbox == []
    assert Basket.objects.get(pk=basket.pk).lock_alerted_at is None
    config.EMAIL_SYSTEM_MESSAGES = True
    with time_machine.travel(START + timedelta(minutes=32), tick=False):
        assert locked_cart_alert_send() == (1, False)
    assert len(mailoutbox) == 1


def stuck_baskets() -> dict[str, Basket]:
    """One basket of each kind the daily e-mail reports, and some it must leave out."""
    with time_machine.travel(START, tick=False):
        baskets = {
            "locked": basket_in_status(Status.LOCKED, total="10.00"),
            "failed": basket_in_status(Status.COMPLETION_FAILED, total="20.00"),
            "waiting_long": basket_in_status(Status.AWAITING_COMPLETION, total="30.00"),
        }
    with time_machine.travel(START + timedelta(hours=23, minutes=30), tick=False):
        baskets["waiting_short"] = basket_in_status(Status.AWAITING_COMPLETION)
        baskets["active"] = BasketFactory()
        baskets["completed"] = basket_in_status(Status.COMPLETED)
    return baskets


@pytest.mark.django_db
def test_daily_email_lists_locked_failed_and_long_waiting_baskets(settings, mailoutbox):
    """SPEC: LC-5 — with "e-mail system messages" on: one e-mail with admin links."""
    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com", "lead@example.com"]
    settings.AWAITING_COMPLETION_REPORT_AFTER = timedelta(hours=1)
    settings.BACKOFFICE_BASE_URL = "https://backoffice.example"
    baskets = stuck_baskets()

    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert daily_notification_task() is True

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ops@example.com", "lead@example.com"]
    assert mail.subject == (
        "[Basket Ops] Daily basket report: 1 locked, 1 completion failed, 1 waiting"
    )
    for name in ("locked", "failed", "waiting_long"):
        basket = baskets[name]
        assert str(basket.guid) in mail.body
        assert f"https://backoffice.example/admin/baskets/basket/{basket.pk}/change/" in mail.body
    for name in ("waiting_short", "active", "completed"):
        assert str(baskets[name].guid) not in mail.body
    assert "Locked carts (1)" in mail.body and "Completion Failed (1)" in mail.body
    assert "Awaiting Completion for more than 60 minutes (1)" in mail.body
    assert "Payment results to reconcile" not in mail.body


@pytest.mark.django_db
def test_daily_email_lists_late_payment_results_to_reconcile(settings, mailoutbox):
    """SPEC: LC-5 LC-4 — a result after a staff delete is reported for reconciliation."""
    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    with time_machine.travel(START, tick=False):
        basket = basket_in_status(Status.LOCKED)
        guid = basket.guid
        locked_cart_delete(basket_id=basket.pk, actor=SYSTEM, reason="no payment")
        payment_result_record(
            guid=guid,
            result="paid",
            actor=SYSTEM,
            amount=Decimal("0.00"),
            currency="EUR",
            provider_reference="PP-1",
        )
    with time_machine.travel(START + timedelta(hours=20), tick=False):
        assert daily_notification_task() is True
    with time_machine.travel(START + timedelta(days=2), tick=False):
        assert daily_notification_task() is False  # reported once, the day after
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert mailoutbox[0].subject.endswith("0 waiting, 1 to reconcile")
    assert "Payment results to reconcile (1)" in body
    assert f"paid for {guid}, reference PP-1" in body and "(basket deleted)" in body


@pytest.mark.django_db
def test_daily_email_is_not_sent_when_system_messages_are_off(settings, mailoutbox):
    """SPEC: LC-5 — the setting off: nothing sent even with baskets to report."""
    settings.EMAIL_SYSTEM_MESSAGES = False
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    stuck_baskets()
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert daily_notification_task() is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_daily_email_is_not_sent_when_there_is_nothing_to_report(settings, mailoutbox):
    """SPEC: LC-5 — nothing locked, failed or waiting long: no e-mail."""
    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    settings.AWAITING_COMPLETION_REPORT_AFTER = timedelta(hours=1)
    with time_machine.travel(START, tick=False):
        BasketFactory()
        basket_in_status(Status.COMPLETED)
        basket_in_status(Status.AWAITING_COMPLETION)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert daily_notification_task() is False
    assert mailoutbox == []


def test_the_daily_email_is_scheduled_often_and_sends_from_the_configured_hour(settings):
    """SPEC: LC-5 — a beat entry every few minutes (its task sends from
    DAILY_NOTIFICATION_HOUR on, once a day); the sweep and alert run often."""
    schedule = settings.CELERY_BEAT_SCHEDULE
    daily = schedule["daily-staff-notification"]
    assert daily["task"] == "completion.tasks.daily_notification_due_task"
    assert daily["schedule"] <= 600
    assert schedule["locked-cart-sweep"]["task"] == "baskets.tasks.locked_cart_sweep_task"
    assert schedule["locked-cart-alert"]["task"] == "baskets.tasks.locked_cart_alert_task"


@pytest.mark.django_db
def test_daily_email_lists_unpaid_orders_in_accounts_receivable(settings, mailoutbox):
    """SPEC: LC-5 AB-5 (seed 004) — open accounts-receivable orders are listed with a link
    to the list by age; settled ones are not."""
    from baskets.models import Order
    from baskets.models.orders import order_number

    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    settings.BACKOFFICE_BASE_URL = "https://backoffice.example"

    def order(**fields) -> Order:
        basket = BasketFactory()
        return Order.objects.create(
            basket=basket,
            number=order_number(basket.pk),
            total=Decimal("49.00"),
            currency="USD",
            accounts_receivable_at=START,
            accounts_receivable_note="Card declined.",
            **fields,
        )

    unpaid = order()
    settled = order(accounts_receivable_settled_at=START, accounts_receivable_outcome="written_off")

    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert daily_notification_task() is True

    mail = mailoutbox[0]
    assert mail.subject == (
        "[Basket Ops] Daily basket report: 0 locked, 0 completion failed, 0 waiting, "
        "1 unpaid order(s)"
    )
    assert "Unpaid orders in accounts receivable (1)" in mail.body
    assert "https://backoffice.example/admin/baskets/order/receivables/" in mail.body
    assert f"- {unpaid.number}: 49.00 USD, since " in mail.body
    assert "Card declined." in mail.body and settled.number not in mail.body
