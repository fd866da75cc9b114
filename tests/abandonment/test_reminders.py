"""AB-4: reminder e-mails for abandoned baskets, with the recovery link, at most once."""

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from abandonment.models import Abandonment, ReminderSend
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send
from abandonment.tasks import basket_reminders_send_task
from baskets.models import BasketEvent, Product, Status
from baskets.services.storefront import line_add
from baskets.services.transitions import basket_mark_paid
from completion.services import completion_run
from recovery.links import basket_url
from recovery.services import UnsubscribeTarget, unsubscribe_token
from recovery.unsubscribe import unsubscribe_url
from tests.support.abandonment import reminder_sequence_ensure
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.processes import ROOT, child_env
from tests.support.recovery import basket_with_line, login_shopper

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CAPTURED = START + timedelta(minutes=61)
DUE = CAPTURED + timedelta(minutes=60)


@pytest.fixture(autouse=True)
def reminder_sequence():
    """The migrated default sequence (a transactional test's flush removes it)."""
    return reminder_sequence_ensure()


def abandoned_login_basket(username="ada", *, at=START, **account):
    """A login's basket with one line, last touched at ``at``."""
    with time_machine.travel(at, tick=False):
        owner = login_shopper(username, **account)
        return basket_with_line(customer=True, shop_account=owner)


def sweep_at(moment=CAPTURED) -> int:
    with time_machine.travel(moment, tick=False):
        count, _ = abandonment_sweep()
    return count


def send_at(moment=DUE, **kwargs):
    with time_machine.travel(moment, tick=False):
        return basket_reminders_send(**kwargs)


@pytest.mark.django_db
def test_one_reminder_with_the_recovery_link_after_reminder_after(mailoutbox, settings):
    """SPEC: AB-4 RL-8 — sent REMINDER_AFTER after the capture, holding BasketUrl, once."""
    settings.REMINDER_AFTER = timedelta(minutes=60)
    basket = abandoned_login_basket(email="Ada@Example.com")
    assert sweep_at() == 1

    assert send_at(DUE - timedelta(minutes=1)) == (0, False)
    assert send_at() == (1, False)
    assert send_at(DUE + timedelta(hours=1)) == (0, False)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["Ada@Example.com"]
    assert basket_url(basket.guid) in mail.body
    assert str(basket.guid) in mail.body
    product = Product.objects.get(pk=basket.lines.get().product_id)
    assert f"2 x {product.name}  10.00 EUR" in mail.body
    unsubscribe = unsubscribe_url(basket.shop_account.guid)
    assert mail.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert unsubscribe in mail.body
    abandonment = Abandonment.objects.get(basket=basket)
    assert (abandonment.reminded_at, abandonment.reminder_email) == (DUE, "Ada@Example.com")


@pytest.mark.django_db
def test_no_reminder_without_an_address_after_an_opt_out_or_when_it_no_longer_applies(
    mailoutbox, settings
):
    """SPEC: AB-4 — only shoppers with an address who did not opt out (by any login with
    that address), for baskets still Active and untouched since, with lines, not too old."""
    settings.REMINDER_MAX_AGE = timedelta(hours=72)
    wanted = abandoned_login_basket("ada")
    with time_machine.travel(START, tick=False):
        anonymous = basket_with_line()
        empty = BasketFactory(customer=True)
    opted_out = abandoned_login_basket("bob")
    opted_out.shop_account.reminder_opt_out_at = START
    opted_out.shop_account.save()
    shared = abandoned_login_basket("cem", email="shared@example.com")
    other_login = login_shopper("dan", email="SHARED@example.com")
    other_login.reminder_opt_out_at = START
    other_login.save()
    came_back = abandoned_login_basket("eve")
    paid = abandoned_login_basket("fay")
    old = abandoned_login_basket("gus", at=START - timedelta(days=4))
    with time_machine.travel(START - timedelta(days=4) + timedelta(minutes=61), tick=False):
        assert abandonment_sweep()[0] == 1
    assert sweep_at() == 5, "the anonymous basket (no e-mail) and the empty one are no leads"
    with time_machine.travel(CAPTURED + timedelta(minutes=5), tick=False):
        line_add(guid=came_back.guid, product_id=came_back.lines.get().product_id, quantity=1)
    basket_mark_paid(basket_id=paid.pk, actor=SYSTEM)

    assert send_at() == (1, False)

    assert [mail.to for mail in mailoutbox] == [[wanted.shop_account.email]]
    reminded = Abandonment.objects.filter(reminded_at__isnull=False)
    assert list(reminded.values_list("basket_id", flat=True)) == [wanted.pk]
    assert not Abandonment.objects.filter(basket__in=[anonymous, empty]).exists()
    for basket in (opted_out, shared, came_back, paid, old):
        assert Abandonment.objects.get(basket=basket).reminded_at is None


@pytest.mark.django_db
def test_the_unsubscribe_link_confirms_on_get_and_opts_out_on_post(client, mailoutbox):
    """SPEC: AB-4 AC-6 — GET shows a confirmation and changes nothing; the POST (the page's
    button, or RFC 8058 one-click without a CSRF token) opts out; a wrong token is a 400."""
    basket = abandoned_login_basket("ada")
    bystander = login_shopper("bob")
    sweep_at()
    send_at()
    account = basket.shop_account
    token = unsubscribe_token(UnsubscribeTarget(shop_account_guid=account.guid))
    path = unsubscribe_url(account.guid).removeprefix(django_settings.SHOP_BASE_URL)
    assert path == f"/basket/reminders/unsubscribe/{token}/"
    assert str(account.guid) not in token and account.guid.hex not in token
    bystander_token = unsubscribe_token(UnsubscribeTarget(shop_account_guid=bystander.guid))
    assert unsubscribe_token(UnsubscribeTarget(shop_account_guid=account.guid)) == token
    assert token != bystander_token

    for bad in ("nonsense", token[:-2] + "xx", str(account.guid), "x" * 65):
        for method in (client.get, client.post):
            response = method(f"/basket/reminders/unsubscribe/{bad}/")
            assert response.status_code == 400
            assert response.context["key"] == "basket_UnsubscribeInvalid"

    for _ in range(2):
        shown = client.get(path)
        assert shown.status_code == 200
        assert 'method="post"' in shown.content.decode()
    bystander.refresh_from_db()
    account.refresh_from_db()
    assert bystander.reminder_opt_out_at is None and account.reminder_opt_out_at is None

    # One-click (RFC 8058) from the mail client: a POST without a CSRF token.
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert "You will not receive basket reminder e-mails any more." in one_click.content.decode()
    account.refresh_from_db()
    bystander.refresh_from_db()
    assert account.reminder_opt_out_at is not None and bystander.reminder_opt_out_at is None

    with time_machine.travel(START + timedelta(days=1), tick=False):
        second = basket_with_line(customer=True, shop_account=account)
    sweep_at(START + timedelta(days=1, minutes=61))
    assert send_at(START + timedelta(days=1, minutes=122)) == (0, False)
    assert len(mailoutbox) == 1
    assert Abandonment.objects.get(basket=second).reminded_at is None


@pytest.mark.django_db
def test_reminders_can_be_switched_off(mailoutbox, settings):
    """SPEC: AB-4 — REMINDERS_ENABLED off: nothing is claimed or sent."""
    settings.REMINDERS_ENABLED = False
    abandoned_login_basket()
    sweep_at()
    assert send_at() == (0, False)
    assert mailoutbox == []
    assert not Abandonment.objects.filter(reminded_at__isnull=False).exists()


@pytest.mark.django_db
def test_an_unreachable_mail_server_gives_the_claims_back(mailoutbox, settings):
    """SPEC: AB-4 — a reminder that was not sent is tried again next run, still only once."""
    basket = abandoned_login_basket()
    sweep_at()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    with pytest.raises(OSError):
        send_at()
    assert Abandonment.objects.get(basket=basket).reminded_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_at(DUE + timedelta(minutes=5)) == (1, False)
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_reminder_another_worker_holds_is_skipped_not_sent_twice(mailoutbox):
    """SPEC: AB-4 — the claim is SELECT ... FOR UPDATE SKIP LOCKED."""
    first = abandoned_login_basket("ada")
    second = abandoned_login_basket("bob")
    sweep_at()
    held = Abandonment.objects.get(basket=second)
    holding, release = threading.Event(), threading.Event()

    def hold_row():
        with transaction.atomic():
            Abandonment.objects.select_for_update().get(pk=held.pk)
            holding.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_row)
    holder.start()
    try:
        assert holding.wait(30)
        assert send_at() == (1, False)
    finally:
        release.set()
        holder.join(30)
    assert [mail.to for mail in mailoutbox] == [[first.shop_account.email]]
    assert send_at(DUE + timedelta(minutes=5)) == (1, False)
    assert [mail.to for mail in mailoutbox][1] == [second.shop_account.email]
    assert send_at(DUE + timedelta(minutes=10)) == (0, False)


@pytest.mark.django_db
def test_the_task_is_scheduled_and_sends(mailoutbox):
    """SPEC: AB-4 — a periodic Celery task in the beat schedule."""
    schedule = django_settings.CELERY_BEAT_SCHEDULE["basket-reminders"]
    assert schedule["task"] == "abandonment.tasks.basket_reminders_send_task"
    assert basket_reminders_send_task.name == schedule["task"]
    abandoned_login_basket()
    sweep_at()
    with time_machine.travel(DUE, tick=False):
        assert basket_reminders_send_task.apply().get() == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_reminded_basket_recovered_through_the_link_and_ordered_counts_as_recovered(
    client, mailoutbox
):
    """SPEC: AB-4 AB-6 RL-1 — the link in the reminder brings the basket back; when it then
    becomes an order the abandonment counts as recovered."""
    basket = abandoned_login_basket("ada")
    sweep_at()
    send_at()
    link = basket_url(basket.guid).removeprefix(django_settings.SHOP_BASE_URL)
    assert link in mailoutbox[0].body
    client.force_login(basket.shop_account.user)

    with time_machine.travel(DUE + timedelta(minutes=30), tick=False):
        response = client.post(link, follow=True)  # AC-6: the page's button
    assert response.redirect_chain == [("/basket/", 302)]
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.payload["abandoned_at"] == CAPTURED.isoformat()
    basket_mark_paid(basket_id=basket.pk, actor=SYSTEM)
    completion_run(worker="test")

    basket.refresh_from_db()
    assert basket.status == Status.COMPLETED
    abandonment = Abandonment.objects.get(basket=basket)
    assert abandonment.recovered_at is not None
    assert basket.total == Decimal("20.00")


@pytest.mark.django_db(transaction=True)
def test_two_processes_never_send_the_same_reminder_step(tmp_path):
    """SPEC: AB-4 — two sender processes racing over the same abandonments through the
    whole 1 h / 24 h / 72 h sequence: each step of each sequence is mailed once."""
    captured_at = timezone.now() - timedelta(hours=80)
    baskets = [
        abandoned_login_basket(f"shopper{index}", at=captured_at - timedelta(hours=2))
        for index in range(24)
    ]
    assert abandonment_sweep(now=captured_at)[0] == 24
    # 1 h, then 24 h after the first mail (the daily cap, PV-2), then the 48 h gap.
    moments = [(captured_at + timedelta(hours=hours)).isoformat() for hours in (1, 25, 73)]
    start_at = f"{time.time() + 3:.3f}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.abandonment.reminder_race_worker", start_at,
             *moments],
            cwd=ROOT,
            env=child_env(
                EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                BASKETOPS_DATA_DIR=str(tmp_path / f"p{index}"),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    counts = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        counts.append(int(out.split()[-1]))

    recipients = [
        line.removeprefix("To: ")
        for path in tmp_path.glob("p*/mail/*")
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    ]
    assert sum(counts) == 72
    for step_number in (1, 2, 3):
        assert ReminderSend.objects.filter(step_number=step_number).count() == 24
    assert sorted(recipients) == sorted(
        basket.shop_account.email for basket in baskets for _ in range(3))
    assert set(Abandonment.objects.values_list("reminders_sent", flat=True)) == {3}
