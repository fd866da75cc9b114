"""PV-1 / PV-2 / AB-4: who gets reminder e-mails: never about old baskets, one sequence per
address (the newest abandonment), none after that address orders or comes back, at most
REMINDER_DAILY_CAP a day, and only with the consent the live policy asks for."""

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from constance import config
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from abandonment.models import Abandonment, ReminderSend
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send, reminders_due
from abandonment.tasks import basket_reminders_send_task
from basketops.celery import app
from baskets.models import Basket, CustomerAccount, ShopAccount
from baskets.roles import ADMINISTRATOR
from baskets.services.transitions import basket_mark_paid
from tests.support.abandonment import reminder_sequence_ensure
from tests.support.clients import staff_user
from tests.support.factories import SYSTEM, ProductFactory, UserFactory
from tests.support.processes import ROOT, child_env
from tests.support.recovery import basket_with_line, login_shopper
from tests.support.workers import broker_flush, wait_until, worker_stop
from tooling.demo import demo_load

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RESERVED_DOMAINS = (".example.com", ".example.org", ".example.net", ".test")


@pytest.fixture(autouse=True)
def reminder_sequence():
    """The migrated 1 h / 24 h / 72 h sequence (a transactional test's flush removes it)."""
    return reminder_sequence_ensure()


def sweep_and_send(moment: datetime) -> int:
    """What the scheduler's tasks do at ``moment``: capture every idle lead basket, then send
    every due reminder, a batch at a time (each task re-queues itself while more remain)."""
    sent = 0
    with time_machine.travel(moment, tick=False):
        while abandonment_sweep()[1]:
            pass
        more = True
        while more:
            count, more = basket_reminders_send()
            sent += count
    return sent


def reserved(address: str) -> bool:
    return ("." + address.lower().rsplit("@", 1)[-1]).endswith(RESERVED_DOMAINS)


@pytest.mark.django_db
def test_demo_data_two_hours_after_a_fresh_start_mails_no_old_basket_one_per_address():
    """SPEC: AB-4 PV-2 — a fresh install's demo data (baskets last touched up to 90 days
    ago), with the sweep and the reminder task run every 5 minutes for two hours of moved
    clock: no reminder about a basket idle longer than REMINDER_MAX_AGE, at most one per
    address, every demo address at a reserved example domain."""
    installed = timezone.now()
    demo_load(baskets=1500, seed=1)
    max_age = settings.REMINDER_MAX_AGE

    sent = sum(
        sweep_and_send(installed + timedelta(minutes=minutes)) for minutes in range(0, 121, 5)
    )

    old = Abandonment.objects.filter(last_activity_at__lt=installed - max_age)
    assert old.count() > 100, "the demo data has old idle baskets the sweep captured"
    sends = list(ReminderSend.objects.select_related("abandonment"))
    assert len(sends) == sent > 0, "recent demo baskets are reminded"
    assert [
        send.abandonment.basket_guid
        for send in sends
        if send.abandonment.last_activity_at < send.sent_at - max_age
    ] == []
    per_address = Counter(send.email.lower() for send in sends)
    assert max(per_address.values()) == 1
    addresses = [
        *ShopAccount.objects.values_list("email", flat=True),
        *CustomerAccount.objects.exclude(email="").values_list("email", flat=True),
        *Basket.objects.exclude(email="").values_list("email", flat=True),
    ]
    assert addresses and [address for address in addresses if not reserved(address)] == []


@pytest.mark.django_db
def test_the_age_limit_counts_from_the_last_activity_not_the_capture(mailoutbox, settings):
    """SPEC: AB-4 — a basket idle for 8 days and captured only now is never reminded; one
    idle for 2 hours is."""
    settings.REMINDER_MAX_AGE = timedelta(hours=168)
    now = START + timedelta(days=10)
    with time_machine.travel(now - timedelta(days=8), tick=False):
        old = basket_with_line(customer=True, shop_account=login_shopper("old"))
    with time_machine.travel(now - timedelta(hours=2), tick=False):
        recent = basket_with_line(customer=True, shop_account=login_shopper("new"))

    assert sweep_and_send(now - timedelta(hours=1)) == 0  # captured
    assert sweep_and_send(now) == 1

    assert [mail.to for mail in mailoutbox] == [[recent.shop_account.email]]
    assert Abandonment.objects.get(basket=old).reminders_sent == 0


def one_address_baskets(count: int, *, last_at: datetime) -> list[Basket]:
    """``count`` baskets of one login, last touched an hour apart, the newest at ``last_at``."""
    account = login_shopper("ada", email="Ada@Example.com")
    baskets = []
    for index in range(count):
        with time_machine.travel(last_at - timedelta(hours=count - 1 - index), tick=False):
            baskets.append(basket_with_line(customer=True, shop_account=account))
    return baskets


def clock_worker(moment: datetime, name: str) -> subprocess.Popen:
    """A real worker process whose clock reads ``moment`` onwards."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.clock_worker", moment.isoformat(), name],
        cwd=ROOT,
        env=child_env(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def reminders_task_run_in(moment: datetime, name: str) -> None:
    """Start a worker at ``moment``, queue the reminder task, wait until it ran, stop it."""
    broker_flush()
    process = clock_worker(moment, name)
    try:
        wait_until(
            lambda: len(app.control.ping(timeout=1.0) or []) >= 1,
            timeout=60,
            message="the worker did not start",
        )
        basket_reminders_send_task.delay()

        def ran() -> bool:
            stats = app.control.inspect(timeout=1.0).stats() or {}
            done = sum(
                worker["total"].get(basket_reminders_send_task.name, 0)
                for worker in stats.values()
            )
            active = app.control.inspect(timeout=1.0).active() or {}
            return done >= 1 and not any(active.values())

        wait_until(ran, timeout=60, message="the worker did not run the reminder task")
    finally:
        worker_stop(process)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_five_abandoned_baskets_of_one_address_give_one_sequence_and_an_order_stops_it():
    """SPEC: PV-2 AB-4 — a real worker, its clock moved: 5 abandoned baskets of one address
    give one reminder, about the newest; once that address orders through another basket,
    the next step (due a day later) is not sent."""
    baskets = one_address_baskets(5, last_at=START)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert abandonment_sweep() == (5, False)
    newest = Abandonment.objects.get(basket=baskets[-1])

    reminders_task_run_in(START + timedelta(hours=2), "first")

    sends = list(ReminderSend.objects.values_list("abandonment_id", "step_number", "email"))
    assert sends == [(newest.pk, 1, "Ada@Example.com")]
    assert list(reminders_due(now=START + timedelta(hours=30))) == [newest]
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        other = basket_with_line(customer=True, shop_account=baskets[0].shop_account)
        basket_mark_paid(basket_id=other.pk, actor=SYSTEM)

    reminders_task_run_in(START + timedelta(hours=30), "second")

    assert ReminderSend.objects.count() == 1
    assert list(reminders_due(now=START + timedelta(hours=30))) == []
    assert set(Abandonment.objects.values_list("reminders_sent", flat=True)) == {0, 1}


@pytest.mark.django_db
def test_the_shoppers_return_on_another_basket_stops_every_sequence_of_theirs(mailoutbox):
    """SPEC: PV-2 — activity on any basket of the address after the capture ends it."""
    baskets = one_address_baskets(2, last_at=START)
    assert sweep_and_send(START + timedelta(hours=1)) == 0  # captured
    assert sweep_and_send(START + timedelta(hours=2)) == 1
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        basket_with_line(customer=True, shop_account=baskets[0].shop_account)

    assert sweep_and_send(START + timedelta(hours=5, minutes=30)) == 0
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("cap", "expected"), [(1, [1, 0, 0, 1]), (2, [1, 1, 0, 1])], ids=["1", "2"]
)
@pytest.mark.django_db
def test_the_daily_cap_per_address_is_a_live_setting(cap, expected, mailoutbox):
    """SPEC: PV-2 — REMINDER_DAILY_CAP (live, default 1) mails to one address in 24 hours,
    whatever the steps' delays."""
    from abandonment.models import ReminderStep

    ReminderStep.objects.all().delete()
    for minutes in (60, 120, 180):
        ReminderStep.objects.create(
            delay=timedelta(minutes=minutes), subject="Your basket", body="{{ Basket.BasketUrl }}"
        )
    config.REMINDER_DAILY_CAP = cap
    one_address_baskets(1, last_at=START)
    assert sweep_and_send(START + timedelta(hours=1)) == 0  # captured; steps due 1, 2, 3 h on

    counts = [sweep_and_send(START + timedelta(hours=hours)) for hours in (2, 3, 4, 27.5)]

    assert counts == expected


@pytest.fixture
def storefront():
    user = UserFactory(username="storefront")
    user.groups.add(Group.objects.get_or_create(name="Storefront")[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def guest_checkout(storefront, email: str, **details) -> str:
    """A guest's basket with a line and the checkout details, last touched at START."""
    ProductFactory(id=f"PRD-{email[:3]}", name="Kettle", price="10.00")
    with time_machine.travel(START, tick=False):
        guid = storefront.post("/api/baskets/", {}, format="json").json()["guid"]
        storefront.post(
            f"/api/baskets/{guid}/lines/",
            {"product_id": f"PRD-{email[:3]}", "quantity": 1},
            format="json",
        )
        answer = storefront.patch(
            f"/api/baskets/{guid}/checkout/", {"email": email, **details}, format="json"
        )
        assert answer.status_code == 200, answer.content
    return guid


@pytest.mark.parametrize(
    ("policy", "reminded"),
    [
        pytest.param("any", {"yes@example.com", "no@example.com", "unasked@example.com"},
                     id="any"),
        pytest.param("consented", {"yes@example.com"}, id="consented"),
    ],
)
@pytest.mark.django_db
def test_the_consent_policy_decides_who_is_reminded(storefront, mailoutbox, policy, reminded):
    """SPEC: PV-1 — under the live policy "consented" only an address that consented gets
    the sequence; under "any" every reachable one; consent, its time and source are stored."""
    config.REMINDER_CONSENT_POLICY = policy
    yes = guest_checkout(
        storefront, "yes@example.com", marketing_consent=True,
        marketing_consent_source="checkout-form",
    )
    no = guest_checkout(storefront, "no@example.com", marketing_consent=False)
    guest_checkout(storefront, "unasked@example.com")

    sweep_and_send(START + timedelta(hours=1))
    sweep_and_send(START + timedelta(hours=2))

    assert {mail.to[0] for mail in mailoutbox} == reminded
    consent = Basket.objects.get(guid=yes)
    assert (consent.marketing_consent, consent.marketing_consent_at,
            consent.marketing_consent_source) == (True, START, "checkout-form")
    refused = Basket.objects.get(guid=no)
    assert (refused.marketing_consent, refused.marketing_consent_source) == (
        False, "api:storefront")


@pytest.mark.parametrize(
    "details",
    [
        pytest.param({"marketing_consent": "perhaps"}, id="not-a-boolean"),
        pytest.param({"marketing_consent_source": "form"}, id="source-without-consent"),
        pytest.param({"marketing_consent": True, "marketing_consent_source": "x" * 101},
                     id="source-too-long"),
    ],
)
@pytest.mark.django_db
def test_bad_consent_input_is_a_400_and_changes_nothing(storefront, details):
    """SPEC: PV-1 — a clear 400; the basket keeps what it had."""
    guid = guest_checkout(storefront, "ada@example.com", marketing_consent=True)
    before = Basket.objects.values().get(guid=guid)

    answer = storefront.patch(f"/api/baskets/{guid}/checkout/", details, format="json")

    assert answer.status_code == 400, answer.content
    assert Basket.objects.values().get(guid=guid) == before


@pytest.mark.django_db
def test_the_policy_and_the_consent_are_on_the_abandonment_and_basket_pages(
    storefront, client
):
    """SPEC: PV-1 — staff see the live policy and each basket's consent with time and source."""
    config.REMINDER_CONSENT_POLICY = "consented"
    guid = guest_checkout(
        storefront, "yes@example.com", marketing_consent=True,
        marketing_consent_source="checkout-form",
    )
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        abandonment_sweep()
    abandonment = Abandonment.objects.get(basket_guid=guid)
    client.force_login(staff_user(ADMINISTRATOR, "olga"))
    expected = (
        "Given 2026-03-02 09:00 via checkout-form (reminder policy: consented addresses only)"
    )

    listing = client.get("/admin/abandonment/abandonment/").content.decode()
    detail = client.get(f"/admin/abandonment/abandonment/{abandonment.pk}/change/")
    basket_page = client.get(f"/admin/baskets/basket/{abandonment.basket_id}/change/")

    assert 'id="reminder-policy"' in listing and "consented addresses only" in listing
    assert "Given 2026-03-02 09:00 via checkout-form" in listing
    assert expected in detail.content.decode()
    assert expected in basket_page.content.decode()



@pytest.mark.django_db
def test_the_abandonment_list_reads_the_consent_without_a_query_per_row(storefront, client):
    """SPEC: PV-1 — the consent column comes with the rows (one query however many)."""
    client.force_login(staff_user(ADMINISTRATOR, "olga"))

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/abandonment/abandonment/").status_code == 200
        return len(captured)

    guest_checkout(storefront, "one@example.com", marketing_consent=True)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        abandonment_sweep()
    one = queries_for_list()
    for address in ("two@example.com", "three@example.com", "four@example.com"):
        guest_checkout(storefront, address, marketing_consent=False)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        abandonment_sweep()

    assert Abandonment.objects.count() == 4
    assert queries_for_list() == one
