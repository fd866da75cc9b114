"""SH-5: gift card balances, reserved for a basket in payment, debited when it is paid,
released when its payment ends without an order.

A basket is *in payment* while it is Active or Locked at the Payment stage with a payment
started. Re-pricing such a basket reserves from each of its cards what the total needs and
what the card has left (its balance less every other basket's reservation), under the card's
row lock, so two baskets never both count on the same money. Any other basket only previews
what its cards have left. Every change is a movement on the card's history and an entry in
the basket's timeline.

Callers hold the basket's row lock (and its lines' where they re-price); the cards are
locked after it, in code order (``baskets.locks``). A card's balance only goes down by a
debit of a reservation made under the same lock, so it never goes below zero.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from ..locks import gift_cards_lock
from ..models import (
    Basket,
    GiftCard,
    GiftCardMovement,
    GiftCardReservation,
    Stage,
    Status,
    TimelineAction,
)
from .actors import Actor
from .timeline import event_record

ZERO = Decimal("0.00")
Kind = GiftCardMovement.Kind
EVENTS = {
    Kind.RESERVE: TimelineAction.GIFT_CARD_RESERVE,
    Kind.DEBIT: TimelineAction.GIFT_CARD_DEBIT,
    Kind.RELEASE: TimelineAction.GIFT_CARD_RELEASE,
}


def basket_in_payment(basket: Basket) -> bool:
    """Whether the basket's gift cards are held for a payment now (see the module docstring)."""
    return (
        basket.status in (Status.ACTIVE, Status.LOCKED)
        and basket.stage == Stage.PAYMENT
        and basket.payment_started_at is not None
    )


def gift_cards_reserved(codes: Iterable[str], *, excluding_basket_id: int | None) -> dict:
    """The amount reserved on each card (by code) for baskets other than the one given."""
    queryset = GiftCardReservation.objects.filter(card_id__in=list(codes))
    if excluding_basket_id is not None:
        queryset = queryset.exclude(basket_id=excluding_basket_id)
    return dict(
        queryset.values("card_id").annotate(total=Sum("amount")).values_list("card_id", "total")
    )


def gift_card_available(card: GiftCard, reserved_by_others: Decimal) -> Decimal:
    """What a card has left for one more basket (never below zero)."""
    return max(card.balance - reserved_by_others, ZERO)


def gift_card_lock_for_change(code: str) -> tuple[GiftCard, Decimal]:
    """Lock a card for a staff change of its balance; returns it with what baskets in
    payment hold of it, which the balance may not go below."""
    card = gift_cards_lock([code])[code]
    return card, gift_cards_reserved([code], excluding_basket_id=None).get(code, ZERO)


def basket_gift_cards_deduct(
    basket: Basket, amount_due: Decimal, *, actor: Actor, for_payment: bool = False
) -> Decimal:
    """The basket's total after its gift cards, from ``amount_due`` (lines less coupons).

    In payment (or ``for_payment``: about to be charged another way, as an upsell order is):
    reserve what the total needs (locks the cards). Otherwise: release anything still
    reserved and deduct only what the cards have left now, reserving nothing."""
    if for_payment or basket_in_payment(basket):
        return amount_due - _reserve(basket, amount_due=amount_due, actor=actor)
    basket_gift_cards_release(basket, actor=actor)
    codes = sorted(set(basket.gift_card_codes))
    if not codes:
        return amount_due
    cards = GiftCard.objects.filter(code__in=codes, currency=basket.currency).order_by("code")
    reserved = gift_cards_reserved(codes, excluding_basket_id=basket.pk)
    for card in cards:
        amount_due -= min(gift_card_available(card, reserved.get(card.code, ZERO)), amount_due)
    return amount_due


def _reserve(basket: Basket, *, amount_due: Decimal, actor: Actor) -> Decimal:
    """Bring the basket's reservations to what ``amount_due`` needs; returns their sum."""
    held = {row.card_id: row for row in GiftCardReservation.objects.filter(basket_id=basket.pk)}
    codes = sorted(set(basket.gift_card_codes) | set(held))
    if not codes:
        return ZERO
    cards = gift_cards_lock(codes)
    reserved = gift_cards_reserved(codes, excluding_basket_id=basket.pk)
    now = timezone.now()
    covered = ZERO
    for code in codes:
        card = cards.get(code)
        want = ZERO
        if card is not None and code in basket.gift_card_codes and card.currency == basket.currency:
            left = gift_card_available(card, reserved.get(code, ZERO))
            want = min(left, amount_due - covered)
        covered += want
        reservation = held.get(code)
        have = reservation.amount if reservation is not None else ZERO
        if want == have:
            continue
        if want > have:
            _move(card, basket, Kind.RESERVE, want - have, actor=actor, at=now)
        else:
            _move(card, basket, Kind.RELEASE, have - want, actor=actor, at=now)
        if want == ZERO:
            reservation.delete()
        elif reservation is None:
            GiftCardReservation.objects.create(
                card=card, basket=basket, amount=want, reserved_at=now
            )
        else:
            reservation.amount = want
            reservation.save(update_fields=["amount"])
    return covered


def basket_gift_cards_release(basket: Basket, *, actor: Actor, reason: str = "") -> Decimal:
    """Give back everything reserved for the basket (its payment ended without an order);
    returns how much. Locks the cards; the caller holds the basket's lock."""
    return _settle(basket, Kind.RELEASE, actor=actor, reason=reason)


def basket_gift_cards_debit(basket: Basket, *, actor: Actor) -> Decimal:
    """Take what is reserved for the basket off its cards' balances (it is paid); returns
    how much. Locks the cards; the caller holds the basket's lock."""
    return _settle(basket, Kind.DEBIT, actor=actor)


def _settle(basket: Basket, kind: str, *, actor: Actor, reason: str = "") -> Decimal:
    held = list(GiftCardReservation.objects.filter(basket_id=basket.pk).order_by("card_id"))
    if not held:
        return ZERO
    cards = gift_cards_lock(row.card_id for row in held)
    now = timezone.now()
    total = ZERO
    for row in held:
        card = cards[row.card_id]
        if kind == Kind.DEBIT:
            card.balance -= row.amount
            card.save(update_fields=["balance"])
        _move(card, basket, kind, row.amount, actor=actor, at=now, reason=reason)
        total += row.amount
    GiftCardReservation.objects.filter(pk__in=[row.pk for row in held]).delete()
    return total


def _move(
    card: GiftCard,
    basket: Basket,
    kind: str,
    amount: Decimal,
    *,
    actor: Actor,
    at,
    reason: str = "",
) -> None:
    GiftCardMovement.objects.create(
        card=card,
        basket=basket,
        basket_guid=basket.guid,
        kind=kind,
        amount=amount,
        balance_after=card.balance,
        actor_label=actor.label[:150],
        created_at=at,
    )
    event_record(
        basket=basket,
        action=EVENTS[Kind(kind)],
        actor=actor,
        reason=reason,
        payload={
            "gift_card": card.code,
            "amount": str(amount),
            "currency": card.currency,
            "balance_after": str(card.balance),
        },
        at=at,
    )
