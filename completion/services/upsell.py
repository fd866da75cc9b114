"""AB-5: the upsell timer. After ``UPSELL_FINALISE_AFTER`` the order is finalised as it
stands: the card token is charged through the payment gateway, outside any row lock; a
declined charge still makes the order, which then waits in accounts receivable.

A charge is never left without a record staff can see: the claim writes "charge started" in
the basket's timeline before the gateway is called; the result is written with the status
change in one transaction; a charge on a basket that moved on meanwhile (paid by the
storefront, locked, changed, deleted) is kept for reconciliation with the late payment
results; a claim whose worker was lost is charged again after ``CHARGE_LEASE`` with the same
reference, or kept for reconciliation when the basket has moved on."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from basketops.business import business_setting
from baskets.exceptions import BasketNotFound
from baskets.locks import basket_lock_row, basket_lock_with_lines
from baskets.models import PaymentResult, Status, TimelineAction
from baskets.services.actors import Actor
from baskets.services.payments import payment_reconciliation_record
from baskets.services.storefront.holds import basket_editable_check, basket_reprice
from baskets.services.transitions import basket_finalise_unpaid, basket_mark_paid, event_record

from ..exceptions import GatewayUnavailable
from ..models import UpsellOffer
from ..payments import ChargeResult, payment_gateway

logger = logging.getLogger(__name__)
UPSELL = Actor.system("upsell")
NO_GATEWAY = (
    "No payment gateway is configured (PAYMENT_GATEWAY is empty), so the card was not "
    "charged; collect the payment from the customer."
)


def upsell_enter(*, basket_id: int, actor: Actor, payment_token: str) -> UpsellOffer:
    """AB-5: start (or restart) the upsell timer of an editable basket; locks the basket."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        basket_editable_check(basket)
        now = timezone.now()
        offer, _ = UpsellOffer.objects.update_or_create(
            basket=basket,
            defaults={
                "entered_at": now,
                "finalise_at": now + business_setting("UPSELL_FINALISE_AFTER"),
                "payment_token": payment_token,
                "finished_at": None,
                "finalised_at": None,
                "charge_error": "",
                "charge_reference": "",
            },
        )
        event_record(
            basket=basket,
            action=TimelineAction.ENTER_UPSELL,
            actor=actor,
            payload={"finalise_at": offer.finalise_at.isoformat()},
        )
    return offer


def upsell_finish(*, basket_id: int, actor: Actor) -> None:
    """The shopper went through to the receipt: the timer no longer applies."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        updated = UpsellOffer.objects.filter(
            basket_id=basket_id, finished_at__isnull=True, finalised_at__isnull=True
        ).update(finished_at=timezone.now())
        if updated:
            event_record(basket=basket, action=TimelineAction.FINISH_UPSELL, actor=actor)


# A worker lost between claiming an offer and recording the charge leaves it claimed; after
# this long it is charged again (with the same reference, which the gateway deduplicates) or,
# when the basket has moved on meanwhile, kept for reconciliation.
CHARGE_LEASE = timedelta(minutes=10)


def _due(now: datetime):
    unclaimed = Q(finalised_at__isnull=True, finalise_at__lte=now)
    abandoned_claim = Q(finalised_at__lt=now - CHARGE_LEASE, charge_reference="", charge_error="")
    return UpsellOffer.objects.filter(Q(finished_at__isnull=True) & (unclaimed | abandoned_claim))


def upsell_finalise_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Finalise every offer whose timer ran out; returns how many were finalised."""
    now = now or timezone.now()
    done = 0
    for offer_id in list(_due(now).order_by("finalise_at").values_list("id", flat=True)[:limit]):
        if upsell_finalise(offer_id=offer_id, now=now):
            done += 1
    return done


@dataclass(frozen=True)
class Claim:
    """An offer this worker claimed, with what it charges (read under the claim)."""

    offer_id: int
    basket_id: int
    guid: uuid.UUID
    amount: Decimal
    currency: str
    token: str
    claimed_at: datetime

    @property
    def reference(self) -> str:
        # The basket's GUID is the charge reference, so a gateway deduplicates a retry.
        return str(self.guid)


def upsell_finalise(*, offer_id: int, now: datetime | None = None) -> bool:
    """Charge and finalise one due offer; False when another worker has it or it is not due.

    Claim (locks the basket, then the offer), charge outside any lock, then lock both again,
    re-check and write the charge's result with the status change in one transaction; a
    charge on a basket that moved on meanwhile is kept for reconciliation."""
    now = now or timezone.now()
    claim = _claim(offer_id, now)
    if claim is None:
        return False
    if claim is _SETTLED:
        return True
    gateway = payment_gateway()
    try:
        if gateway is None:
            result = ChargeResult(ok=False, message=NO_GATEWAY)
        else:
            result = gateway.charge(
                amount=claim.amount,
                currency=claim.currency,
                token=claim.token,
                reference=claim.reference,
            )
    except GatewayUnavailable as error:
        logger.warning("upsell %s: gateway unavailable, retrying later: %s", offer_id, error)
        UpsellOffer.objects.filter(pk=offer_id, finalised_at=claim.claimed_at).update(
            finalised_at=None
        )
        return False
    _record(claim, result)
    return True


# ``_claim`` found nothing to charge and settled the offer itself.
_SETTLED = object()


def _claim(offer_id: int, now: datetime):
    """Lock the basket's lines, the basket, then the offer (the order ``upsell_enter`` and
    ``_record`` use), and claim the offer when it is still due and no other worker holds it."""
    basket_id = UpsellOffer.objects.filter(pk=offer_id).values_list("basket_id", flat=True).first()
    if basket_id is None:
        return None
    with transaction.atomic():
        try:
            basket, lines = basket_lock_with_lines(basket_id)
        except BasketNotFound:
            return None
        offer = _due(now).select_for_update(skip_locked=True).filter(pk=offer_id).first()
        if offer is None:
            return None
        if basket.status != Status.ACTIVE:
            _moved_on_before_charge(offer, basket, now)
            return _SETTLED
        # Claimed: no other worker charges this offer while this one does. The timeline
        # shows the charge started, whatever becomes of this worker.
        offer.finalised_at = now
        offer.save(update_fields=["finalised_at"])
        if basket.gift_card_codes:
            # SH-5: the charge is for what the gift cards do not cover, so they are reserved
            # now (debited with the status change), as for a basket at the Payment stage.
            basket_reprice(basket, lines, actor=UPSELL, for_payment=True)
            basket.save(update_fields=["total"])
        claim = Claim(
            offer_id=offer.pk,
            basket_id=basket.pk,
            guid=basket.guid,
            amount=basket.total,
            currency=basket.currency,
            token=offer.payment_token,
            claimed_at=now,
        )
        event_record(
            basket=basket,
            action=TimelineAction.UPSELL_CHARGE_STARTED,
            actor=UPSELL,
            payload={
                "reference": claim.reference,
                "amount": str(claim.amount),
                "currency": claim.currency,
            },
            at=now,
        )
    return claim


def _moved_on_before_charge(offer: UpsellOffer, basket, now: datetime) -> None:
    """The basket left Active before this run charged it. A fresh offer needs nothing; a
    claim whose worker was lost mid-charge may have taken the money: staff check it."""
    offer.finished_at = now
    offer.save(update_fields=["finished_at"])
    if offer.finalised_at is None:
        event_record(
            basket=basket,
            action=TimelineAction.FINISH_UPSELL,
            actor=UPSELL,
            reason=f"Nothing to finalise: the basket is {Status(basket.status).label}.",
            at=now,
        )
        return
    payment_reconciliation_record(
        basket=basket,
        guid=basket.guid,
        result=PaymentResult.Result.PENDING,
        actor=UPSELL,
        amount=basket.total,
        currency=basket.currency,
        provider_reference=str(basket.guid),
        note=(
            f"The upsell card charge started at {offer.finalised_at:%Y-%m-%d %H:%M:%S} UTC "
            "was never recorded (its worker was lost) and the basket is now "
            f"{Status(basket.status).label}: the card may have been charged. Check the "
            f"provider for reference {basket.guid} and refund it if so."
        ),
    )


def _record(claim: Claim, result: ChargeResult) -> None:
    """Lock the basket (its lines first), then the offer; re-check; write the result with
    the status change."""
    with transaction.atomic():
        try:
            basket, lines = basket_lock_with_lines(claim.basket_id)
        except BasketNotFound:
            basket, lines = None, []
        offer = UpsellOffer.objects.select_for_update().filter(pk=claim.offer_id).first()
        if offer is not None and result.ok and offer.charge_reference == result.reference:
            return  # another worker, retrying after the lease, recorded this very charge
        # Claimed and not settled: by this worker, or by one retrying after the lease with
        # the same reference (so the same charge at the gateway).
        ours = (
            offer is not None
            and offer.finalised_at is not None
            and not (offer.finished_at or offer.charge_reference or offer.charge_error)
        )
        active = ours and basket is not None and basket.status == Status.ACTIVE
        repriced = active and bool(basket.gift_card_codes)
        if repriced:
            # SH-5: an edit during the charge may have released the cards' reservation:
            # hold them again for the order.
            basket_reprice(basket, lines, actor=UPSELL, for_payment=True)
        applicable = active and (basket.total, basket.currency) == (claim.amount, claim.currency)
        if repriced:
            if not applicable:
                # No order from this charge: the cards hold what the basket's state says.
                basket_reprice(basket, lines, actor=UPSELL)
            basket.save(update_fields=["total"])
        if applicable and result.ok:
            offer.charge_reference = result.reference
            offer.save(update_fields=["charge_reference"])
            basket_mark_paid(basket_id=basket.pk, actor=UPSELL, payment_reference=result.reference)
        elif applicable:
            offer.charge_error = result.message
            offer.save(update_fields=["charge_error"])
            basket_finalise_unpaid(
                basket_id=basket.pk,
                actor=UPSELL,
                reason=f"Upsell timer ran out and the card charge failed: {result.message}",
            )
        else:
            _moved_on_during_charge(claim, result, basket, offer)


def _moved_on_during_charge(claim: Claim, result: ChargeResult, basket, offer) -> None:
    """The basket was paid, locked, changed, deleted or re-entered the upsell while its card
    was charged: a charge taken is kept for reconciliation; a decline needs nothing."""
    now = timezone.now()
    if basket is None:
        state = "deleted"
    elif basket.status != Status.ACTIVE:
        state = Status(basket.status).label
    elif (basket.total, basket.currency) != (claim.amount, claim.currency):
        state = f"changed to {basket.total} {basket.currency}"
    else:
        state = "in a new upsell offer"
    unsettled = offer is not None and not (
        offer.finished_at or offer.charge_reference or offer.charge_error
    )
    if unsettled and offer.finalised_at is not None:
        offer.finished_at = now
        offer.charge_reference = result.reference if result.ok else ""
        offer.save(update_fields=["finished_at", "charge_reference"])
    if not result.ok:
        logger.info("upsell %s: declined after basket %s moved on", claim.offer_id, claim.guid)
        if basket is not None:
            event_record(
                basket=basket,
                action=TimelineAction.FINISH_UPSELL,
                actor=UPSELL,
                reason=f"The upsell card charge was declined ({result.message}) after the "
                f"basket was {state}; nothing was taken.",
                at=now,
            )
        return
    payment_reconciliation_record(
        basket=basket,
        guid=claim.guid,
        result=PaymentResult.Result.PAID,
        actor=UPSELL,
        amount=claim.amount,
        currency=claim.currency,
        provider_reference=result.reference,
        note=(
            f"The upsell card charge of {claim.amount} {claim.currency} (reference "
            f"{result.reference}) went through after the basket was {state}; it changed "
            "nothing. Refund it or match it at the provider."
        ),
    )
