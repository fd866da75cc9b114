"""AB-5: the upsell timer. After ``UPSELL_FINALISE_AFTER`` the order is finalised as it
stands: the card token is charged through the payment gateway, outside any row lock; a
declined charge still makes the order, which then waits in accounts receivable."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from basketops.business import business_setting
from baskets.exceptions import TransitionNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import EventAction, Status
from baskets.services.actors import Actor
from baskets.services.storefront.holds import basket_editable_check
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
            action=EventAction.ENTER_UPSELL,
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
            event_record(basket=basket, action=EventAction.FINISH_UPSELL, actor=actor)


# A worker lost between claiming an offer and recording the charge leaves it claimed; after
# this long it is charged again (with the same reference, which the gateway deduplicates).
CHARGE_LEASE = timedelta(minutes=10)


def _due(now: datetime):
    unclaimed = Q(finalised_at__isnull=True, finalise_at__lte=now)
    abandoned_claim = Q(
        finalised_at__lt=now - CHARGE_LEASE,
        charge_reference="",
        charge_error="",
        basket__status=Status.ACTIVE,
    )
    return UpsellOffer.objects.filter(Q(finished_at__isnull=True) & (unclaimed | abandoned_claim))


def upsell_finalise_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Finalise every offer whose timer ran out; returns how many were finalised."""
    now = now or timezone.now()
    done = 0
    for offer_id in list(_due(now).order_by("finalise_at").values_list("id", flat=True)[:limit]):
        if upsell_finalise(offer_id=offer_id, now=now):
            done += 1
    return done


def upsell_finalise(*, offer_id: int, now: datetime | None = None) -> bool:
    """Charge and finalise one due offer; False when another worker has it or it is not due."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = (
            _due(now)
            .select_for_update(skip_locked=True)
            .select_related("basket")
            .filter(pk=offer_id)
            .first()
        )
        if offer is None:
            return False
        basket = offer.basket
        if basket.status != Status.ACTIVE:
            offer.finalised_at = now
            offer.charge_error = f"Nothing to finalise: the basket is {basket.status}."
            offer.save(update_fields=["finalised_at", "charge_error"])
            return True
        # Claimed: no other worker charges this offer while this one does.
        offer.finalised_at = now
        offer.save(update_fields=["finalised_at"])
    gateway = payment_gateway()
    try:
        if gateway is None:
            result = ChargeResult(ok=False, message=NO_GATEWAY)
        else:
            # The basket's GUID is the charge reference, so a gateway deduplicates a retry.
            result = gateway.charge(
                amount=basket.total,
                currency=basket.currency,
                token=offer.payment_token,
                reference=str(basket.guid),
            )
    except GatewayUnavailable as error:
        logger.warning("upsell %s: gateway unavailable, retrying later: %s", offer_id, error)
        UpsellOffer.objects.filter(pk=offer_id).update(finalised_at=None)
        return False
    try:
        if result.ok:
            UpsellOffer.objects.filter(pk=offer_id).update(charge_reference=result.reference)
            basket_mark_paid(basket_id=basket.pk, actor=UPSELL, payment_reference=result.reference)
        else:
            UpsellOffer.objects.filter(pk=offer_id).update(charge_error=result.message)
            basket_finalise_unpaid(
                basket_id=basket.pk,
                actor=UPSELL,
                reason=f"Upsell timer ran out and the card charge failed: {result.message}",
            )
    except TransitionNotAllowed as error:
        # The shopper or staff moved the basket on while the card was being charged.
        logger.warning("upsell %s: basket %s moved on: %s", offer_id, basket.pk, error)
    return True
