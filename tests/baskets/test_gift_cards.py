"""Gift cards (SPEC SH-5): a card's balance is reserved when a basket using it reaches
payment, debited when that basket is paid, released when it is unlocked, deleted or its
payment fails; a second basket sees only what is left; never below zero, whatever runs at
once; every movement on the card's history and in the basket's timeline."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from baskets.models import (
    Basket,
    BasketEvent,
    GiftCard,
    GiftCardMovement,
    GiftCardReservation,
    Stage,
    Status,
)
from baskets.roles import ADMINISTRATOR, ORDER_PROCESSOR
from baskets.services.actors import Actor
from baskets.services.locked_carts import (
    locked_cart_confirm,
    locked_cart_delete,
    locked_cart_unlock,
)
from baskets.services.payments import payment_result_record
from baskets.services.staff import basket_delete
from baskets.services.storefront import basket_stage_move, gift_card_apply, gift_card_remove
from baskets.services.transitions import basket_lock
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, LineFactory
from tests.support.processes import race

SHOPPER = Actor.system("tests-storefront")
STAFF = Actor.system("tests-staff")
PROVIDER = Actor.system("tests-provider")
D = Decimal


def card(code: str = "GIFT-100", balance: str = "100.00") -> GiftCard:
    return GiftCard.objects.create(code=code, balance=D(balance))


def basket_with(code: str, lines_total: str = "60.00") -> Basket:
    """An Active basket at Manage booking, one line of ``lines_total``, the card applied."""
    basket = BasketFactory(stage=Stage.MANAGE_BOOKING)
    LineFactory(basket=basket, unit_price=D(lines_total))
    return gift_card_apply(guid=basket.guid, code=code)


def to_payment(basket: Basket) -> Basket:
    return basket_stage_move(guid=basket.guid, stage=Stage.PAYMENT, actor=SHOPPER)


def pay(basket: Basket, result: str = "paid"):
    basket.refresh_from_db()
    return payment_result_record(
        guid=basket.guid,
        result=result,
        actor=PROVIDER,
        amount=basket.total,
        currency=basket.currency,
        provider_reference=f"PAY-{basket.pk}",
    )


def movements(gift_card: GiftCard) -> list[tuple[int | None, str, str, str]]:
    """(basket id, kind, amount, balance after) of each movement, oldest first."""
    return [
        (basket_id, kind, str(amount), str(balance))
        for basket_id, kind, amount, balance in GiftCardMovement.objects.filter(card=gift_card)
        .order_by("created_at", "id")
        .values_list("basket_id", "kind", "amount", "balance_after")
    ]


def reserved(gift_card: GiftCard) -> dict[int, str]:
    return {
        row.basket_id: str(row.amount) for row in GiftCardReservation.objects.filter(card=gift_card)
    }


def card_events(basket: Basket) -> list[tuple[str, str, str]]:
    return [
        (event.action, event.payload["gift_card"], event.payload["amount"])
        for event in BasketEvent.objects.filter(
            basket_guid=basket.guid, action__startswith="gift_card_"
        ).order_by("created_at", "id")
    ]


@pytest.mark.django_db
def test_reaching_payment_reserves_and_a_second_basket_sees_only_what_is_left():
    """SPEC: SH-5 RL-2 — the first basket at payment holds 60 of 100; a second basket
    applying the card is priced with the 40 left, and reserves only those at payment."""
    gift = card()
    first = basket_with(gift.code)
    second = basket_with(gift.code)
    assert (first.total, second.total) == (D("0.00"), D("0.00"))  # a preview: nothing held

    first = to_payment(first)
    assert first.total == D("0.00")
    assert reserved(gift) == {first.pk: "60.00"}
    assert card_events(first) == [("gift_card_reserve", gift.code, "60.00")]

    # The second basket's next re-pricing sees only what the card has left.
    gift_card_remove(guid=second.guid, code=gift.code)
    second = gift_card_apply(guid=second.guid, code=gift.code)
    assert second.total == D("20.00")
    second = to_payment(second)
    assert second.total == D("20.00")
    assert reserved(gift) == {first.pk: "60.00", second.pk: "40.00"}
    gift.refresh_from_db()
    assert gift.balance == D("100.00")  # reserved, not taken


@pytest.mark.django_db
def test_paid_debits_what_was_reserved_once():
    """SPEC: SH-5 API-2 — paid takes the reserved amount off the balance, once: a replay of
    the paid result (or a late one) takes nothing more."""
    gift = card()
    basket = to_payment(basket_with(gift.code, "30.00"))
    assert pay(basket).body["status"] == Status.AWAITING_COMPLETION
    assert pay(basket).body["outcome"] == "reconciliation"
    gift.refresh_from_db()
    assert gift.balance == D("70.00")
    assert reserved(gift) == {}
    assert movements(gift) == [
        (basket.pk, "reserve", "30.00", "100.00"),
        (basket.pk, "debit", "30.00", "70.00"),
    ]
    assert card_events(basket) == [
        ("gift_card_reserve", gift.code, "30.00"),
        ("gift_card_debit", gift.code, "30.00"),
    ]


@pytest.mark.django_db
def test_staff_confirming_a_locked_cart_debits_the_card():
    """SPEC: SH-5 LC-4 — Confirm order goes on as paid: the reservation is debited."""
    gift = card()
    basket = to_payment(basket_with(gift.code, "30.00"))
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="pending")
    assert locked_cart_confirm(basket_id=basket.pk, actor=STAFF, reason="seen at provider")
    gift.refresh_from_db()
    assert (gift.balance, reserved(gift)) == (D("70.00"), {})
    assert [kind for _, kind, _, _ in movements(gift)] == ["reserve", "debit"]


def _unlock(basket: Basket) -> None:
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="pending")
    locked_cart_unlock(basket_id=basket.pk, actor=STAFF, reason="not paid")


def _delete_locked(basket: Basket) -> None:
    basket_lock(basket_id=basket.pk, actor=STAFF, reason="pending")
    locked_cart_delete(basket_id=basket.pk, actor=STAFF, reason="abandoned at provider")


def _delete_active(basket: Basket) -> None:
    basket_delete(basket_id=basket.pk, actor=STAFF, reason="broken")


def _failed(basket: Basket) -> None:
    assert pay(basket, "failed").body["outcome"] == "applied"


def _cancelled(basket: Basket) -> None:
    assert pay(basket, "cancelled").body["outcome"] == "applied"


def _back_to_manage_booking(basket: Basket) -> None:
    basket_stage_move(guid=basket.guid, stage=Stage.MANAGE_BOOKING, actor=SHOPPER)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "end_payment",
    [
        pytest.param(_unlock, id="unlock"),
        pytest.param(_delete_locked, id="delete-locked-cart"),
        pytest.param(_delete_active, id="delete"),
        pytest.param(_failed, id="payment-failed"),
        pytest.param(_cancelled, id="payment-cancelled"),
        pytest.param(_back_to_manage_booking, id="back-before-payment"),
    ],
)
def test_an_ended_payment_releases_the_reservation(end_payment):
    """SPEC: SH-5 LC-4 BM-1 API-2 — unlock, delete, a failed or cancelled payment (or going
    back before Payment) gives the reserved money back, on the card's history and in the
    basket's timeline; the next basket can then hold all of it."""
    gift = card()
    first = to_payment(basket_with(gift.code, "60.00"))
    guid = first.guid
    end_payment(first)

    assert reserved(gift) == {}
    gift.refresh_from_db()
    assert gift.balance == D("100.00")
    kinds = [(kind, amount) for _, kind, amount, _ in movements(gift)]
    assert kinds == [("reserve", "60.00"), ("release", "60.00")]
    release = BasketEvent.objects.get(basket_guid=guid, action="gift_card_release")
    assert release.payload == {
        "gift_card": gift.code,
        "amount": "60.00",
        "currency": "EUR",
        "balance_after": "100.00",
    }
    second = to_payment(basket_with(gift.code, "100.00"))
    assert second.total == D("0.00")
    assert reserved(gift) == {second.pk: "100.00"}


@pytest.mark.django_db
def test_a_line_added_at_payment_reserves_more_and_a_removed_card_releases():
    """SPEC: SH-5 API-2 — at Payment, re-pricing keeps the reservation equal to what the
    total needs; removing the card gives its reservation back."""
    gift = card()
    basket = to_payment(basket_with(gift.code, "30.00"))
    LineFactory(basket=basket, unit_price=D("50.00"))
    basket = gift_card_remove(guid=basket.guid, code=gift.code)
    assert (basket.total, reserved(gift)) == (D("80.00"), {})
    basket = gift_card_apply(guid=basket.guid, code=gift.code)
    assert (basket.total, reserved(gift)) == (D("0.00"), {basket.pk: "80.00"})
    assert [(kind, amount) for _, kind, amount, _ in movements(gift)] == [
        ("reserve", "30.00"),
        ("release", "30.00"),
        ("reserve", "80.00"),
    ]


PAIRS = 12


@pytest.mark.django_db(transaction=True)
def test_two_baskets_paying_with_one_card_at_once_never_spend_it_twice():
    """SPEC: SH-5 API-2 AC-2 — two baskets of 60.00 holding one card of 100.00, moved to
    Payment and paid at the same moment in two processes: the card ends at exactly 0.00
    (100 − 60 − 40), never below zero; the basket that came second pays the 20.00 the card
    could not cover."""
    cards = [card(f"GIFT-{index:03d}") for index in range(PAIRS)]
    pairs = [(basket_with(gift.code), basket_with(gift.code)) for gift in cards]
    # One process takes the first basket of each pair, the other the second: they meet on
    # every card.
    first, second = race(
        "tests.support.race_worker",
        [
            ["gift-card:a", *(f"{one.pk}:{one.guid}" for one, _ in pairs)],
            ["gift-card:b", *(f"{two.pk}:{two.guid}" for _, two in pairs)],
        ],
    )
    for gift, (one, two) in zip(cards, pairs, strict=True):
        paid = sorted([D(first[one.pk]), D(second[two.pk])])
        assert paid == [D("0.00"), D("20.00")], (gift.code, paid)
        gift.refresh_from_db()
        assert gift.balance == D("0.00")
        assert reserved(gift) == {}
        debits = sorted(amount for _, kind, amount, _ in movements(gift) if kind == "debit")
        assert debits == ["40.00", "60.00"]
        for basket in (one, two):
            basket.refresh_from_db()
            assert basket.status == Status.AWAITING_COMPLETION
            assert [action for action, _, _ in card_events(basket)] == [
                "gift_card_reserve",
                "gift_card_debit",
            ]
    assert not GiftCard.objects.filter(balance__lt=0).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [ADMINISTRATOR, ORDER_PROCESSOR])
def test_the_cards_history_page_lists_every_movement(client, role):
    """SPEC: SH-5 AC-1 — the card's History page: reserve, debit, release, each with its
    basket (linked while it exists), amount and time; the list shows reserved and available."""
    gift = card()
    paid = to_payment(basket_with(gift.code, "30.00"))
    pay(paid)
    deleted = to_payment(basket_with(gift.code, "20.00"))
    deleted_guid = deleted.guid
    basket_delete(basket_id=deleted.pk, actor=STAFF, reason="broken")
    held = to_payment(basket_with(gift.code, "15.00"))
    client.force_login(staff_user(role))

    page = client.get(reverse("admin:baskets_giftcard_history", args=[gift.code]))

    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<tr class="movement-(\w+)">(.*?)</tr>', html, re.S)
    assert [kind for kind, _ in rows] == ["reserve", "release", "reserve", "debit", "reserve"]
    newest, released, _, debited, _ = (cells for _, cells in rows)
    assert "15.00 EUR" in newest and str(held.guid) in newest
    assert f'href="/admin/baskets/basket/{held.pk}/change/"' in newest
    assert "20.00 EUR" in released and f"{deleted_guid} (deleted)" in released
    assert "30.00 EUR" in debited and "<td>70.00</td>" in debited
    listing = client.get(reverse("admin:baskets_giftcard_changelist")).content.decode()
    assert re.search(r"70\.00.*?15\.00.*?55\.00", listing, re.S)
    timeline = client.get(reverse("admin:baskets_basket_change", args=[held.pk])).content.decode()
    assert "Gift card reserved" in timeline and "15.00" in timeline


def card_form(gift: GiftCard, *, balance: str, seen: str) -> dict[str, str]:
    return {
        "code": gift.code,
        "balance": balance,
        "balance_seen": seen,
        "currency": gift.currency,
        "valid_until_0": "",
        "valid_until_1": "",
        "active": "on",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("balance", "seen", "saved", "message"),
    [
        pytest.param("80.00", "70.00", "80.00", None, id="changed"),
        pytest.param(
            "50.00", "70.00", "70.00", "Baskets in payment hold 60.00", id="below-reserved"
        ),
        pytest.param("100.00", "100.00", "70.00", "changed from 100.00 to 70.00", id="stale-page"),
    ],
)
def test_a_staff_balance_change_never_undoes_a_reservation_or_debit(
    client, balance, seen, saved, message
):
    """SPEC: SH-5 AC-1 — an administrator's balance edit cannot go below what baskets in
    payment hold, nor write back a balance a debit changed while the page was open."""
    gift = card()
    to_payment(basket_with(gift.code, "60.00"))  # 60.00 held
    pay(to_payment(basket_with(gift.code, "30.00")))  # 30.00 debited: balance 70.00
    client.force_login(staff_user(ADMINISTRATOR))

    answer = client.post(
        reverse("admin:baskets_giftcard_change", args=[gift.code]),
        card_form(gift, balance=balance, seen=seen),
    )

    gift.refresh_from_db()
    assert gift.balance == D(saved)
    expected = (302, None) if message is None else (200, message)
    body = answer.content.decode()
    assert (answer.status_code, message if message and message in body else None) == expected
