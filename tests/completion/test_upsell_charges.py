"""AB-5 with the money at stake: the upsell finaliser charges outside any lock, then writes
the charge's result with the status change in one transaction. No charge is ever without a
record staff can see: not when the worker is killed between the charge and the status
change, not when a storefront's paid result, a staff delete or an edit lands during the
charge (SPEC AB-5, API-2, LC-4)."""

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from baskets.models import Basket, BasketEvent, GiftCard, PaymentResult, Stage, Status
from baskets.services.actors import Actor
from baskets.services.payments import payment_result_record
from baskets.services.staff import basket_delete
from baskets.services.storefront import gift_card_apply, line_add
from baskets.services.transitions import basket_lock
from completion.models import UpsellOffer
from completion.services import upsell_enter, upsell_finalise_due
from completion.services.upsell import CHARGE_LEASE
from tests.support.factories import BasketFactory, LineFactory, ProductFactory
from tests.support.ledger_gateway import LedgerGateway, ledger_read
from tests.support.processes import ROOT, child_env, race

SHOPPER = Actor.system("tests-storefront")
PROVIDER = Actor.system("tests-provider")
STAFF = Actor.system("tests-staff")
LEDGER_GATEWAY = "tests.support.ledger_gateway.LedgerGateway"


@pytest.fixture
def ledger(settings, tmp_path, monkeypatch):
    """The provider's ledger, shared with the processes the tests start."""
    path = tmp_path / "ledger.txt"
    settings.PAYMENT_GATEWAY = LEDGER_GATEWAY
    monkeypatch.setenv("PAYMENT_GATEWAY", LEDGER_GATEWAY)
    monkeypatch.setenv("UPSELL_LEDGER", str(path))
    return path


def basket_in_upsell(token: str = "tok_visa") -> Basket:
    """An Active basket of 49.00 at Payment with its payment started, in the upsell offer
    whose timer has run out."""
    basket = BasketFactory(stage=Stage.PAYMENT, total=Decimal("49.00"))
    LineFactory(basket=basket, product_id=ProductFactory(id="PRD-UP").id, unit_price="49.00")
    Basket.objects.filter(pk=basket.pk).update(payment_started_at=timezone.now())
    upsell_enter(basket_id=basket.pk, actor=SHOPPER, payment_token=token)
    UpsellOffer.objects.filter(basket=basket).update(
        finalise_at=timezone.now() - timedelta(seconds=1)
    )
    basket.refresh_from_db()
    return basket


def storefront_paid(basket: Basket):
    return payment_result_record(
        guid=basket.guid,
        result="paid",
        actor=PROVIDER,
        amount=Decimal("49.00"),
        currency="EUR",
        provider_reference=f"PAY-{basket.pk}",
    )


def reconciliation(guid) -> list[tuple[str, str, str]]:
    """(result, provider reference, note) of each payment kept for staff to reconcile."""
    return list(
        PaymentResult.objects.filter(basket_guid=guid, outcome="reconciliation")
        .order_by("created_at", "id")
        .values_list("result", "provider_reference", "note")
    )


def actions(guid) -> list[str]:
    return list(
        BasketEvent.objects.filter(basket_guid=guid)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def finalise_in_a_worker_killed_after_the_charge() -> None:
    """The finaliser in its own process, killed the moment the provider took the money."""
    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from completion.services import upsell_finalise_due; upsell_finalise_due()",
        ],
        cwd=ROOT,
        env=child_env(UPSELL_DIE_AFTER_CHARGE="1", DJANGO_SETTINGS_MODULE="basketops.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == -9, finished.stderr


def _nothing_meanwhile(basket: Basket) -> None:
    pass


def _paid_meanwhile(basket: Basket) -> None:
    assert storefront_paid(basket).body["outcome"] == "applied"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("meanwhile", "status", "kept"),
    [
        pytest.param(_nothing_meanwhile, Status.AWAITING_COMPLETION, 0, id="charged-again-once"),
        pytest.param(_paid_meanwhile, Status.AWAITING_COMPLETION, 1, id="paid-meanwhile"),
    ],
)
def test_a_worker_killed_between_the_charge_and_the_status_change(ledger, meanwhile, status, kept):
    """SPEC: AB-5 API-2 — the timeline shows the charge started before the provider is
    called; after the lease the next run charges again with the same reference (the
    provider answers with the first charge: one charge, recorded with the status change),
    or, when the basket was paid meanwhile, keeps the possible charge for reconciliation."""
    basket = basket_in_upsell()

    finalise_in_a_worker_killed_after_the_charge()

    [(reference, charge_id, amount, _)] = ledger_read(ledger)
    assert (reference, amount) == (str(basket.guid), "49.00")
    assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE
    started = BasketEvent.objects.get(basket=basket, action="upsell_charge_started")
    assert started.payload == {"reference": str(basket.guid), "amount": "49.00", "currency": "EUR"}

    meanwhile(basket)
    with time_machine.travel(timezone.now() + CHARGE_LEASE + timedelta(seconds=1)):
        assert upsell_finalise_due() == 1
        assert upsell_finalise_due() == 0

    assert len(ledger_read(ledger)) == 1, "never charged twice"
    stored = Basket.objects.get(pk=basket.pk)
    assert stored.status == status
    kept_items = reconciliation(basket.guid)
    assert len(kept_items) == kept
    if kept:
        [(result, provider_reference, note)] = kept_items
        assert (result, provider_reference) == ("pending", str(basket.guid))
        assert "may have been charged" in note
        assert stored.payment_reference == f"PAY-{basket.pk}"
    else:
        assert stored.payment_reference == charge_id
        assert UpsellOffer.objects.get(basket=basket).charge_reference == charge_id


class DuringCharge(LedgerGateway):
    """The provider's charge, while which something else happens to the basket."""

    meanwhile = staticmethod(_nothing_meanwhile)
    basket: Basket

    def charge(self, **kwargs):
        type(self).meanwhile(type(self).basket)
        return super().charge(**kwargs)


def _deleted(basket: Basket) -> None:
    basket_delete(basket_id=basket.pk, actor=STAFF, reason="broken")


def _locked(basket: Basket) -> None:
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="pending at the provider")


def _line_added(basket: Basket) -> None:
    line_add(guid=basket.guid, product_id=ProductFactory(id="PRD-MORE").id, quantity=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("meanwhile", "status", "state"),
    [
        pytest.param(
            _paid_meanwhile, Status.AWAITING_COMPLETION, "Awaiting Completion", id="storefront-paid"
        ),
        pytest.param(_deleted, None, "deleted", id="staff-deleted"),
        pytest.param(_locked, Status.LOCKED, "Locked", id="locked"),
        pytest.param(_line_added, Status.ACTIVE, "changed to 68.90 EUR", id="line-added"),
    ],
)
def test_a_charge_landing_on_a_basket_that_moved_on_is_kept_for_reconciliation(
    ledger, settings, meanwhile, status, state
):
    """SPEC: AB-5 API-2 LC-4 — the charge went through while the basket was paid by the
    storefront, deleted, locked or changed: the basket keeps what happened to it, and the
    charge is a reconciliation item (listed with the late payment results, in the timeline
    while the basket exists) instead of a reference on the offer row only."""
    basket = basket_in_upsell()
    settings.PAYMENT_GATEWAY = "tests.completion.test_upsell_charges.DuringCharge"
    DuringCharge.meanwhile = staticmethod(meanwhile)
    DuringCharge.basket = basket

    assert upsell_finalise_due() == 1

    [(_, charge_id, _, _)] = ledger_read(ledger)
    [(result, provider_reference, note)] = reconciliation(basket.guid)
    assert (result, provider_reference) == ("paid", charge_id)
    assert f"after the basket was {state}" in note
    stored = Basket.objects.filter(pk=basket.pk).first()
    assert (stored.status if stored else None) == status
    if stored is not None:
        assert stored.payment_reference != charge_id
        assert "payment_reconciliation" in actions(basket.guid)
        assert UpsellOffer.objects.get(basket=basket).finished_at is not None
    assert upsell_finalise_due() == 0


@pytest.mark.django_db
def test_a_decline_on_a_basket_paid_meanwhile_sends_nothing_to_accounts_receivable(
    ledger, settings
):
    """SPEC: AB-5 — nothing was taken, so nothing to reconcile, and the storefront's paid
    order does not go to accounts receivable."""
    basket = basket_in_upsell("tok_decline")
    settings.PAYMENT_GATEWAY = "tests.completion.test_upsell_charges.DuringCharge"
    DuringCharge.meanwhile = staticmethod(_paid_meanwhile)
    DuringCharge.basket = basket

    assert upsell_finalise_due() == 1

    assert reconciliation(basket.guid) == []
    offer = UpsellOffer.objects.get(basket=basket)
    assert (offer.charge_error, offer.charge_reference) == ("", "")
    assert offer.finished_at is not None
    assert Basket.objects.get(pk=basket.pk).status == Status.AWAITING_COMPLETION
    assert actions(basket.guid)[-1] == "finish_upsell"


BASKETS = 16


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("paid_role", "paid_order"),
    [
        pytest.param("paid", -1, id="meeting-in-the-middle"),
        pytest.param("paid-during-charge", 1, id="each-paid-during-its-charge"),
    ],
)
def test_the_finaliser_racing_storefront_paid_results_leaves_every_charge_on_record(
    ledger, monkeypatch, tmp_path, paid_role, paid_order
):
    """SPEC: AB-5 API-2 — the finaliser and the storefront's paid results for the same
    baskets in two processes (meeting in the middle, or each paid result sent while the
    gateway charges that basket): every basket is paid once; every charge the provider took
    is the basket's payment or a reconciliation item, never neither, never both; the
    storefront's result is applied or kept for reconciliation."""
    markers = tmp_path / "charging"
    markers.mkdir()
    monkeypatch.setenv("UPSELL_CHARGE_MARKERS", str(markers))
    monkeypatch.setenv("UPSELL_CHARGE_SECONDS", "0.2" if paid_order == 1 else "0.05")
    baskets = [basket_in_upsell() for _ in range(BASKETS)]
    pairs = [f"{basket.pk}:{basket.guid}" for basket in baskets]

    upsells, payments = race(
        "tests.support.race_worker",
        [["upsell:finalise", *pairs], [f"upsell:{paid_role}", *pairs[::paid_order]]],
    )

    charges = {reference: charge_id for reference, charge_id, _, _ in ledger_read(ledger)}
    assert len(charges) == len(ledger_read(ledger)), "one charge per basket at most"
    seen = set()
    for basket in baskets:
        stored = Basket.objects.get(pk=basket.pk)
        assert stored.status == Status.AWAITING_COMPLETION
        charge_id = charges.get(str(basket.guid))
        kept = {reference for _, reference, _ in reconciliation(basket.guid)}
        by_upsell = charge_id is not None and stored.payment_reference == charge_id
        seen.add((upsells[basket.pk], payments[basket.pk], charge_id is not None, by_upsell))
        if payments[basket.pk] == "applied":
            assert stored.payment_reference == f"PAY-{basket.pk}"
            assert charge_id is None or kept == {charge_id}
        else:
            assert payments[basket.pk] == "reconciliation"
            assert by_upsell and kept == {f"PAY-{basket.pk}"}
    print("outcomes seen:", sorted(seen))
    if paid_role == "paid-during-charge":
        # Every charge landed on a basket the storefront had just paid.
        assert seen == {("finalised", "applied", True, False)}


def basket_in_upsell_with_gift_card(token: str) -> Basket:
    """An Active basket of 49.00 before the Payment stage, a gift card of 20.00 applied (a
    preview: nothing reserved), in an upsell offer whose timer has run out."""
    GiftCard.objects.create(code="GIFT-20", balance=Decimal("20.00"))
    basket = BasketFactory(stage=Stage.MANAGE_BOOKING)
    LineFactory(basket=basket, product_id=ProductFactory(id="PRD-UP").id, unit_price="49.00")
    basket = gift_card_apply(guid=basket.guid, code="GIFT-20")
    assert basket.total == Decimal("29.00")
    upsell_enter(basket_id=basket.pk, actor=SHOPPER, payment_token=token)
    UpsellOffer.objects.filter(basket=basket).update(
        finalise_at=timezone.now() - timedelta(seconds=1)
    )
    return basket


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "charged"),
    [
        pytest.param("tok_visa", ["29.00"], id="charged"),
        pytest.param("tok_decline", [], id="declined"),
    ],
)
def test_an_upsell_order_takes_its_gift_card_and_charges_the_rest(ledger, token, charged):
    """SPEC: AB-5 SH-5 — finalising reserves the basket's gift card, charges only what it
    does not cover, and debits it with the status change (a declined charge still makes
    the order: the card is spent on it all the same)."""
    basket = basket_in_upsell_with_gift_card(token)

    assert upsell_finalise_due() == 1

    assert [amount for _, _, amount, _ in ledger_read(ledger)] == charged
    assert Basket.objects.get(pk=basket.pk).status == Status.AWAITING_COMPLETION
    card = GiftCard.objects.get(code="GIFT-20")
    assert card.balance == Decimal("0.00")
    assert list(card.movements.values_list("kind", "amount")) == [
        ("reserve", Decimal("20.00")),
        ("debit", Decimal("20.00")),
    ]


@pytest.mark.django_db
def test_a_gift_card_held_for_an_upsell_charge_is_given_back_when_the_basket_changed(
    ledger, settings
):
    """SPEC: AB-5 SH-5 — a line added during the charge: the charge is kept for
    reconciliation and the gift card holds nothing for a basket that is not in payment."""
    basket = basket_in_upsell_with_gift_card("tok_visa")
    settings.PAYMENT_GATEWAY = "tests.completion.test_upsell_charges.DuringCharge"
    DuringCharge.meanwhile = staticmethod(_line_added)
    DuringCharge.basket = basket

    assert upsell_finalise_due() == 1

    [(_, charge_id, amount, _)] = ledger_read(ledger)
    assert amount == "29.00"
    assert [reference for _, reference, _ in reconciliation(basket.guid)] == [charge_id]
    card = GiftCard.objects.get(code="GIFT-20")
    assert (card.balance, card.reservations.count()) == (Decimal("20.00"), 0)
    stored = Basket.objects.get(pk=basket.pk)
    assert (stored.status, stored.total) == (Status.ACTIVE, Decimal("48.90"))
