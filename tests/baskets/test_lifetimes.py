"""Basket lifetimes (SPEC PV-4): stale baskets go by themselves, in set-based batches."""

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from constance import config
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from abandonment.models import Abandonment
from baskets.exceptions import BasketError
from baskets.models import (
    AccountType,
    Basket,
    BasketEvent,
    BasketLifetimeRun,
    GiftCard,
    GiftCardReservation,
    Line,
    Status,
    TimelineAction,
)
from baskets.services.lifetimes import (
    basket_dependants,
    basket_lifetime_purge,
    basket_lifetime_run_continue,
    basket_lifetime_run_start,
    lifetime_cutoffs,
)
from baskets.services.storefront import line_add
from completion.models import UpsellOffer
from recovery.models import ShopperBasket
from tests.support.bulk_baskets import baskets_insert
from tests.support.factories import (
    BasketFactory,
    LineFactory,
    ProductFactory,
    ShopAccountFactory,
    basket_in_status,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def lifetimes(settings):
    """Empty baskets go after 3 days, anonymous ones after 10, those with a login after 30."""
    settings.BASKET_LIFETIME_EMPTY_DAYS = 3
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = 10
    settings.BASKET_LIFETIME_LOGIN_DAYS = 30
    return settings


def _with_line(**kwargs) -> Basket:
    basket = BasketFactory(**kwargs)
    LineFactory(basket=basket)
    return basket


def _alive() -> set[int]:
    return set(Basket.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_each_kind_goes_at_its_own_age(lifetimes):
    """SPEC: PV-4 — empty, anonymous and login baskets each go when their own lifetime (days
    since the last activity) has run out, and each run keeps one summary row by rule."""
    # given, on day 0, one basket of each kind and one of each touched again on day 5
    with time_machine.travel(START, tick=False) as clock:
        empty = BasketFactory()
        anonymous = _with_line()
        login = _with_line(customer=True)
        contact = _with_line(account_type=AccountType.CONTACT)
        touched = {_with_line(), _with_line(customer=True)}
        Basket.objects.filter(pk__in=[b.pk for b in touched]).update(
            last_activity_at=START + timedelta(days=5)
        )
        expected_gone: list[tuple[int, set[int], dict]] = [
            (2, set(), {"empty": 0, "anonymous": 0, "login": 0}),
            (4, {empty.pk}, {"empty": 1, "anonymous": 0, "login": 0}),
            (11, {anonymous.pk}, {"empty": 0, "anonymous": 1, "login": 0}),
            (16, {next(b.pk for b in touched if b.account_type == "anonymous")},
             {"empty": 0, "anonymous": 1, "login": 0}),
            (31, {login.pk, contact.pk}, {"empty": 0, "anonymous": 0, "login": 2}),
            (36, {next(b.pk for b in touched if b.account_type == "customer")},
             {"empty": 0, "anonymous": 0, "login": 1}),
        ]  # fmt: skip
        for day, gone, by_rule in expected_gone:
            before = _alive()
            # when the job runs on that day
            clock.move_to(START + timedelta(days=day))
            run = basket_lifetime_purge()

            # then exactly those baskets went, counted by their rule
            assert before - _alive() == gone, day
            assert {
                "empty": run.deleted_empty,
                "anonymous": run.deleted_anonymous,
                "login": run.deleted_login,
            } == by_rule
            assert run.finished_at == START + timedelta(days=day)
            assert run.lifetimes == {"empty": 3, "anonymous": 10, "login": 30}
    assert not Line.objects.exists()
    assert BasketLifetimeRun.objects.count() == len(expected_gone)
    # no per-basket timeline event: the run's row is the summary
    assert not BasketEvent.objects.filter(action=TimelineAction.DELETE).exists()


def _locked():
    return basket_in_status(Status.LOCKED, last_activity_at=START)


def _awaiting():
    return basket_in_status(Status.AWAITING_COMPLETION, created_at=START)


def _completed():
    return basket_in_status(Status.COMPLETED, created_at=START)


def _completion_failed():
    return basket_in_status(Status.COMPLETION_FAILED, created_at=START)


def _paid_active():
    return _with_line(created_at=START, paid_at=START)


def _upsell():
    basket = _with_line(created_at=START)
    UpsellOffer.objects.create(
        basket=basket, entered_at=START, finalise_at=START + timedelta(minutes=45),
        payment_token="tok_test",
    )  # fmt: skip
    return basket


def _gift_card_reservation():
    basket = _with_line(created_at=START)
    card = GiftCard.objects.create(code="GC-LIFETIME", balance=Decimal("50.00"))
    GiftCardReservation.objects.create(
        card=card, basket=basket, amount=Decimal("5.00"), reserved_at=START
    )
    return basket


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        _locked, _awaiting, _completed, _completion_failed, _paid_active, _upsell,
        _gift_card_reservation,
    ],
    ids=[
        "locked", "awaiting_completion", "completed", "completion_failed", "paid",
        "upsell", "gift_card_reservation",
    ],
)  # fmt: skip
def test_protected_baskets_never_go(settings, make):
    """SPEC: PV-4 — Locked, paid, Awaiting Completion, Completed, Completion Failed, upsell
    baskets and baskets holding a gift-card reservation are never touched, however old."""
    # given the shortest lifetimes and a protected basket last touched long ago
    settings.BASKET_LIFETIME_EMPTY_DAYS = 1
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = 1
    settings.BASKET_LIFETIME_LOGIN_DAYS = 1
    with time_machine.travel(START, tick=False) as clock:
        protected = make()
        Basket.objects.filter(pk=protected.pk).update(last_activity_at=START)
        stale = _with_line(created_at=START)
        before = Basket.objects.get(pk=protected.pk)

        # when the job runs a year later
        clock.move_to(START + timedelta(days=365))
        run = basket_lifetime_purge()

    # then only the unprotected basket went; the protected one is unchanged
    assert run.deleted_total == 1
    assert not Basket.objects.filter(pk=stale.pk).exists()
    after = Basket.objects.get(pk=protected.pk)
    assert (after.status, after.modified_at, after.lines.count()) == (
        before.status, before.modified_at, before.lines.count()
    )  # fmt: skip


@pytest.mark.django_db
def test_zero_keeps_that_kind_and_all_zero_runs_nothing(settings):
    """SPEC: PV-4 — a lifetime of 0 keeps its kind; with every lifetime 0 no run starts."""
    settings.BASKET_LIFETIME_EMPTY_DAYS = 2
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = 0
    settings.BASKET_LIFETIME_LOGIN_DAYS = 0
    with time_machine.travel(START, tick=False) as clock:
        empty_guest = BasketFactory()
        guest = _with_line()
        login = _with_line(customer=True)
        clock.move_to(START + timedelta(days=400))
        run = basket_lifetime_purge()
        assert (run.deleted_empty, run.deleted_total) == (1, 1)
        assert _alive() == {guest.pk, login.pk}
        assert empty_guest.pk not in _alive()

        settings.BASKET_LIFETIME_EMPTY_DAYS = 0
        assert basket_lifetime_purge() is None
    assert _alive() == {guest.pk, login.pk}
    assert BasketLifetimeRun.objects.count() == 1


@pytest.mark.django_db
def test_the_live_settings_decide(settings):
    """SPEC: PV-4 — the lifetimes saved in the admin (live settings) win over the environment."""
    settings.BASKET_LIFETIME_EMPTY_DAYS = 0
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = 0
    settings.BASKET_LIFETIME_LOGIN_DAYS = 0
    with time_machine.travel(START, tick=False) as clock:
        guest = _with_line()
        config.BASKET_LIFETIME_ANONYMOUS_DAYS = 5
        clock.move_to(START + timedelta(days=6))
        run = basket_lifetime_purge()
    assert run.lifetimes == {"empty": 0, "anonymous": 5, "login": 0}
    assert run.deleted_anonymous == 1 and guest.pk not in _alive()


@pytest.mark.django_db
def test_what_points_at_a_deleted_basket_is_kept_unlinked_or_goes_with_it(lifetimes):
    """SPEC: PV-4 — the timeline, abandonments and payment history keep their rows (unlinked,
    with the GUID), a shopper's list entry goes with the basket."""
    with time_machine.travel(START, tick=False) as clock:
        account = ShopAccountFactory()
        basket = _with_line(shop_account=account, account_type=AccountType.CUSTOMER)
        event = BasketEvent.objects.create(
            basket=basket, basket_guid=basket.guid, action=TimelineAction.CREATE,
            actor_label="system:tests", created_at=START,
        )  # fmt: skip
        abandonment = Abandonment.objects.create(
            basket=basket, basket_guid=basket.guid, captured_at=START, last_activity_at=START,
            total=Decimal("19.90"), currency="EUR",
        )  # fmt: skip
        ShopperBasket.objects.create(
            shop_account=account, basket=basket, added_at=START, activated_at=START
        )
        clock.move_to(START + timedelta(days=31))
        run = basket_lifetime_purge()

    assert run.deleted_login == 1
    event.refresh_from_db()
    abandonment.refresh_from_db()
    assert (event.basket_id, event.basket_guid) == (None, basket.guid)
    assert (abandonment.basket_id, abandonment.basket_guid) == (None, basket.guid)
    assert not ShopperBasket.objects.exists()


def test_every_table_pointing_at_baskets_has_a_known_treatment():
    """SPEC: PV-4 — the statement is built from the models: each relation to Basket is
    unlinked, deleted with the basket, or keeps the basket."""
    dependants = basket_dependants()
    assert set(dependants.unlinked) == {
        ("baskets_basketevent", "basket_id"),
        ("baskets_giftcardmovement", "basket_id"),
        ("baskets_paymentresult", "basket_id"),
        ("abandonment_abandonment", "basket_id"),
    }
    assert set(dependants.deleted) == {("recovery_shopperbasket", "basket_id")}
    assert {
        ("baskets_giftcardreservation", "basket_id"),
        ("baskets_order", "basket_id"),
        ("completion_completionfailureclosure", "basket_id"),
        ("completion_upselloffer", "basket_id"),
    } <= set(dependants.holding)


@pytest.mark.parametrize(
    ("lifetimes", "expected"),
    [
        ({"empty": 0, "anonymous": 0, "login": 0}, (None, None, None, None)),
        ({"empty": 2, "anonymous": 0, "login": 9}, (2, None, 9, 2)),
        ({"empty": 7, "anonymous": 30, "login": 90}, (7, 30, 90, 7)),
    ],
    ids=["all-kept", "anonymous-kept", "all-set"],
)
def test_cutoffs_are_days_before_now(lifetimes, expected):
    """SPEC: PV-4 — the decision: a cutoff per kind, none for 0; the latest bounds the scan."""
    cutoffs = lifetime_cutoffs(now=START, lifetimes=lifetimes)
    days = [None if c is None else (START - c).days for c in
            (cutoffs.empty, cutoffs.anonymous, cutoffs.login, cutoffs.latest)]  # fmt: skip
    assert tuple(days) == expected


@pytest.mark.django_db
def test_a_run_goes_on_across_budgets_and_reports_progress_in_the_metrics(
    lifetimes, client, settings
):
    """SPEC: PV-4 IN-4 — a run that used up its budget keeps its row and goes on where it
    stopped; /metrics shows what it has deleted so far and whether it is at work."""
    settings.METRICS_TOKEN = "lifetime-metrics"
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            _with_line()
        clock.move_to(START + timedelta(days=11))
        run = basket_lifetime_run_start()
        # a second opener leaves the run at work alone
        assert basket_lifetime_run_start() is None

        run, has_more = basket_lifetime_run_continue(
            run_id=run.pk, budget=timedelta(0), batch_size=2
        )
        assert (run.deleted_anonymous, run.batches, has_more, run.finished_at) == (2, 1, True, None)
        figures = _metrics(client)
        assert figures[("basketops_basket_lifetime_run_deleted", (("rule", "anonymous"),))] == 2
        assert figures[("basketops_basket_lifetime_running", ())] == 1

        while has_more:
            run, has_more = basket_lifetime_run_continue(
                run_id=run.pk, budget=timedelta(0), batch_size=2
            )
    assert run.deleted_anonymous == 5 and run.finished_at is not None
    assert Basket.objects.count() == 0
    figures = _metrics(client)
    assert figures[("basketops_basket_lifetime_deleted_total", (("rule", "anonymous"),))] == 5
    assert figures[("basketops_basket_lifetime_running", ())] == 0


def _metrics(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": "Bearer lifetime-metrics"})
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


STALE_BASKETS = 20_000


@pytest.mark.django_db(transaction=True)
def test_a_run_over_20000_baskets_never_blocks_a_storefront_write_past_a_second(settings):
    """SPEC: PV-4 — a run over 20,000 stale baskets holds no lock longer than one batch: a
    storefront write on any of them meanwhile waits under 1 s, and the run takes many
    statements (batches), never one."""
    # given 20,000 anonymous baskets idle for 100 days, and the storefront's product
    settings.BASKET_LIFETIME_EMPTY_DAYS = 0
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = 30
    settings.BASKET_LIFETIME_LOGIN_DAYS = 0
    ProductFactory(id="PRD-BULK", price=Decimal("19.90"))
    guids = baskets_insert(STALE_BASKETS, timezone.now() - timedelta(days=100))
    outcome: dict = {}

    def purge() -> None:
        try:
            outcome["run"] = basket_lifetime_purge()
        finally:
            connection.close()

    # when the job runs while the storefront writes to baskets across the whole set
    worker = threading.Thread(target=purge)
    worker.start()
    waits, kept = [], 0
    step = 0
    while worker.is_alive():
        guid = guids[(step * 7919) % len(guids)]  # a prime stride visits the whole set
        step += 1
        started = time.monotonic()
        try:
            line_add(guid=guid, product_id="PRD-BULK", quantity=1)
            kept += 1
        except BasketError:
            pass  # the run deleted it first: the storefront is told so at once
        waits.append(time.monotonic() - started)
    worker.join()

    # then every write answered within a second, and the run went in many batches
    run = outcome["run"]
    assert len(waits) >= 5, "the storefront wrote while the run worked"
    assert max(waits) < 1.0, f"a write waited {max(waits):.2f} s"
    assert run.batches >= STALE_BASKETS // settings.BASKET_LIFETIME_BATCH_SIZE
    # the baskets the storefront touched were kept (active again), every other one went
    assert run.deleted_anonymous == STALE_BASKETS - Basket.objects.count()
    assert Basket.objects.count() == kept
    assert not Basket.objects.filter(last_activity_at__lt=timezone.now() - timedelta(days=30))
