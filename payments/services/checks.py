"""Locked carts checked at the payment provider (SH-4, seed 003).

Staff used to "determine in your PayPal interface if the payment was received", cart by
cart. Here the provider is asked about each locked cart's payment reference (outside any
lock); its answer is kept (``ProviderCheck``, and the basket's timeline) as the evidence
staff read. The live setting ``LOCKED_CART_PROVIDER_DECISION`` chooses what follows:
``staff`` (the default) leaves the decision to staff; ``auto`` confirms a cart whose payment
the provider captured for the basket's total, and unlocks one whose payment failed, was
cancelled or never completed, once it has been Locked longer than
``LOCKED_CART_UNLOCK_AFTER``. Anything else (unknown, pending, another amount) waits for
staff."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from basketops.business import business_setting
from baskets.exceptions import BasketNotFound
from baskets.locks import basket_lock_row
from baskets.models import Basket, Status
from baskets.services.actors import Actor
from baskets.services.locked_carts import (
    locked_cart_confirm,
    locked_cart_provider_answer_record,
    locked_cart_unlock,
)

from ..exceptions import ProviderUnavailable
from ..models import ProviderCheck
from ..providers import ProviderPayment, provider_for_reference

logger = logging.getLogger(__name__)
CHECKER = Actor.system("provider-check")
Decision = ProviderCheck.Decision


@dataclass(frozen=True)
class CheckDecision:
    decision: str
    note: str


def check_decide(
    *,
    basket: Basket,
    payment: ProviderPayment,
    policy: str,
    unlock_after: timedelta,
    now: datetime,
) -> CheckDecision:
    """What the provider's answer does to a (locked) locked cart; pure."""
    matches = (payment.amount, payment.currency) == (basket.total, basket.currency)
    if payment.status == ProviderCheck.Status.CAPTURED:
        evidence = (
            f"The provider captured {payment.amount} {payment.currency}"
            + ("" if matches else f", not the basket's {basket.total} {basket.currency}")
            + "."
        )
        if matches and policy == "auto":
            return CheckDecision(Decision.CONFIRMED, f"{evidence} Confirmed as paid.")
        return CheckDecision(Decision.STAFF, evidence)
    ended = payment.status in (
        ProviderCheck.Status.FAILED,
        ProviderCheck.Status.CANCELLED,
        ProviderCheck.Status.EXPIRED,
    )
    label = ProviderCheck.Status(payment.status).label
    if not ended:
        return CheckDecision(Decision.STAFF, f"Provider: {label}.")
    locked_for = now - (basket.locked_at or now)
    if policy == "auto" and locked_for > unlock_after:
        return CheckDecision(
            Decision.UNLOCKED,
            f"Provider: {label}; Locked for longer than {unlock_after}: unlocked.",
        )
    return CheckDecision(Decision.STAFF, f"Provider: {label}; no payment received.")


def locked_cart_check(*, basket_id: int, actor: Actor = CHECKER) -> ProviderCheck | None:
    """Ask the provider about one locked cart and apply the answer: the evidence kept, and,
    under ``auto``, the decision taken, in one transaction holding the basket's lock. None
    when the cart is not Locked, has no provider's reference, or the provider is away."""
    basket = Basket.objects.filter(pk=basket_id, status=Status.LOCKED).first()
    reference = basket.payment_reference if basket else ""
    provider = provider_for_reference(reference) if reference else None
    if provider is None:
        return None
    try:
        payment = provider.payment_check(reference)
    except ProviderUnavailable as error:
        logger.warning("locked cart %s: %s could not be asked: %s", basket_id, provider.name, error)
        return None
    now = timezone.now()
    answer = {
        "provider": provider.name,
        "status": payment.status,
        "provider_status": payment.provider_status,
        "amount": None if payment.amount is None else str(payment.amount),
        "currency": payment.currency,
        "at": payment.at.isoformat() if payment.at else None,
        "link": payment.link,
    }
    with transaction.atomic():
        try:
            locked = basket_lock_row(basket_id)
        except BasketNotFound:
            return None
        if locked.status != Status.LOCKED or locked.payment_reference != reference:
            return None  # staff decided, or another result came, while the provider answered
        decision = check_decide(
            basket=locked,
            payment=payment,
            policy=business_setting("LOCKED_CART_PROVIDER_DECISION"),
            unlock_after=business_setting("LOCKED_CART_UNLOCK_AFTER"),
            now=now,
        )
        locked_cart_provider_answer_record(
            basket_id=basket_id,
            reference=reference,
            actor=actor,
            answer={**answer, "decision": decision.decision},
            note=decision.note,
        )
        check = ProviderCheck.objects.create(
            basket=locked,
            basket_guid=locked.guid,
            provider=provider.name,
            reference=reference,
            status=payment.status,
            provider_status=payment.provider_status[:40],
            amount=payment.amount,
            currency=payment.currency[:3],
            provider_time=payment.at,
            link=payment.link[:300],
            decision=decision.decision,
            note=decision.note,
            checked_at=now,
        )
        if decision.decision == Decision.CONFIRMED:
            locked_cart_confirm(basket_id=basket_id, actor=actor, reason=decision.note)
        elif decision.decision == Decision.UNLOCKED:
            locked_cart_unlock(basket_id=basket_id, actor=actor, reason=decision.note)
    return check


def locked_carts_check(*, actor: Actor = CHECKER, limit: int = 500) -> int:
    """Check every locked cart with a payment reference (oldest lock first); returns how
    many the provider answered for."""
    ids = list(
        Basket.objects.filter(status=Status.LOCKED)
        .exclude(payment_reference="")
        .order_by("locked_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for basket_id in ids if locked_cart_check(basket_id=basket_id, actor=actor))
