"""Payment results reported by storefronts (API-2, LC-1, LC-4).

``payment_result_record`` locks the basket, decides from its status under the lock, calls
the transition services, and stores the result with the answer it gave, all in one
transaction. So a result racing a staff Unlock or Delete is applied either before the staff
action (which then sees the new status) or after it (and is recorded for reconciliation):
never lost. A repeated ``Idempotency-Key`` replays the first answer and changes nothing.

AC-2: a result counts only for a basket at the Payment stage with a payment started, and
only when its ``amount`` and ``currency`` are the basket's total. Otherwise it changes the
basket in no way and, as money may have been taken, is recorded for reconciliation (409
``payment_not_started`` or ``amount_mismatch``).
"""

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from basketops.business import business_setting

from ..exceptions import BasketNotFound
from ..locks import basket_lock_row
from ..models import Basket, EventAction, PaymentResult, Stage, Status
from ..selectors import basket_was_deleted, guid_parse
from .actors import Actor
from .cards import card_numbers_refuse, masked_card_validate
from .gift_cards import basket_gift_cards_release
from .storefront_errors import IdempotencyKeyReused, StorefrontInputError
from .transitions import basket_lock, basket_mark_paid, event_record

logger = logging.getLogger(__name__)

Result = PaymentResult.Result
Outcome = PaymentResult.Outcome


@dataclass(frozen=True)
class PaymentAnswer:
    http_status: int
    body: dict[str, Any]


def _replay(key: str, guid: uuid.UUID) -> PaymentAnswer | None:
    if not key:
        return None
    stored = PaymentResult.objects.filter(idempotency_key=key).first()
    if stored is None:
        return None
    if stored.basket_guid != guid:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for another basket; use a new key for "
            "each payment result."
        )
    return PaymentAnswer(stored.response_status, stored.response_body)


def payment_result_record(
    *,
    guid: uuid.UUID | str,
    result: str,
    actor: Actor,
    amount: Decimal,
    currency: str,
    provider_reference: str = "",
    masked_card_number: str = "",
    idempotency_key: str = "",
) -> PaymentAnswer:
    """Apply one payment result to a basket (see the module docstring). Locks the basket."""
    guid = guid_parse(guid)
    if result not in Result.values:
        raise StorefrontInputError(
            f"result must be one of {', '.join(Result.values)}.", code="invalid_result"
        )
    # The API refuses these already; the service keeps the rule for every other caller.
    card_numbers_refuse([provider_reference, masked_card_number, idempotency_key])
    masked_card_number = masked_card_validate(masked_card_number)
    replayed = _replay(idempotency_key, guid)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            answer, basket, outcome, note = _apply(
                guid=guid,
                result=result,
                actor=actor,
                amount=amount,
                currency=currency,
                provider_reference=provider_reference,
                masked_card_number=masked_card_number,
                idempotency_key=idempotency_key,
            )
            PaymentResult.objects.create(
                basket=basket,
                basket_guid=guid,
                client=actor.user,
                idempotency_key=idempotency_key,
                result=result,
                provider_reference=provider_reference,
                masked_card_number=masked_card_number,
                amount=amount,
                currency=currency,
                outcome=outcome,
                note=note,
                response_status=answer.http_status,
                response_body=answer.body,
                created_at=timezone.now(),
            )
    except IntegrityError:
        # The same key arrived twice at once for a basket that no longer exists (the only
        # path without a row lock): the first one's answer stands.
        replayed = _replay(idempotency_key, guid)
        if replayed is None:
            raise
        return replayed
    if outcome == Outcome.RECONCILIATION:
        logger.warning("payment result %s for basket %s recorded for reconciliation", result, guid)
    return answer


def payment_reconciliation_record(
    *,
    basket: Basket | None,
    guid: uuid.UUID,
    result: str,
    actor: Actor,
    amount: Decimal,
    currency: str,
    provider_reference: str,
    note: str,
) -> PaymentResult:
    """Keep a payment that changed no basket for staff to match at the provider (listed
    with the late payment results, in the daily report, and in the basket's timeline while
    the basket exists). Call with the basket locked, or ``None`` when it was deleted."""
    now = timezone.now()
    if basket is not None:
        event_record(
            basket=basket,
            action=EventAction.PAYMENT_RECONCILIATION,
            actor=actor,
            reason=note,
            payload={
                "result": result,
                "payment_reference": provider_reference,
                "amount": str(amount),
                "currency": currency,
            },
            at=now,
        )
    logger.warning("payment %s for basket %s recorded for reconciliation", result, guid)
    return PaymentResult.objects.create(
        basket=basket,
        basket_guid=guid,
        client=actor.user,
        result=result,
        provider_reference=provider_reference[:100],
        amount=amount,
        currency=currency,
        outcome=Outcome.RECONCILIATION,
        note=note,
        # No client waits for an answer: there is none to replay.
        response_status=0,
        response_body={},
        created_at=now,
    )


def _apply(
    *,
    guid: uuid.UUID,
    result: str,
    actor: Actor,
    amount: Decimal,
    currency: str,
    provider_reference: str,
    masked_card_number: str,
    idempotency_key: str,
) -> tuple[PaymentAnswer, Basket | None, str, str]:
    basket_id = Basket.objects.filter(guid=guid).values_list("pk", flat=True).first()
    basket = None
    if basket_id is not None:
        try:
            basket = basket_lock_row(basket_id)
        except BasketNotFound:
            basket = None  # deleted while we waited for the lock
    if basket is None:
        if not basket_was_deleted(guid):
            raise BasketNotFound(f"No basket with GUID {guid}.")
        note = "The basket was deleted by staff before this result arrived; nothing changed."
        body = {
            "detail": f"Basket {guid} was deleted by staff. The {result} result was recorded "
            "for reconciliation; nothing changed. Start again with a new basket.",
            "code": "basket_deleted",
            "guid": str(guid),
            "result": result,
            "outcome": Outcome.RECONCILIATION.value,
        }
        return PaymentAnswer(409, body), None, Outcome.RECONCILIATION, note
    # Under the row lock: a concurrent request with the same key has committed by now.
    if idempotency_key and PaymentResult.objects.filter(idempotency_key=idempotency_key).exists():
        raise IntegrityError("idempotency key seen while waiting for the basket lock")

    status = Status(basket.status)
    payment = {
        "payment_reference": provider_reference,
        "masked_card_number": masked_card_number,
        "amount": str(amount),
        "currency": currency,
    }
    if status not in (Status.ACTIVE, Status.LOCKED):
        note = (
            f"A {result} result arrived for a basket that is already "
            f"{status.label}; no second order, nothing changed."
        )
        event_record(
            basket=basket,
            action=EventAction.PAYMENT_RECONCILIATION,
            actor=actor,
            reason=note,
            payload={"result": result, **payment},
        )
        answer = _answer(basket.pk, result, Outcome.RECONCILIATION, note)
        return answer, basket, Outcome.RECONCILIATION, note

    refusal = _refusal(basket, result=result, amount=amount, currency=currency)
    if refusal is not None:
        code, note = refusal
        event_record(
            basket=basket,
            action=EventAction.PAYMENT_RECONCILIATION,
            actor=actor,
            reason=note,
            payload={"result": result, **payment},
        )
        body = {
            "detail": f"{note} The result was recorded for reconciliation.",
            "code": code,
            "guid": str(guid),
            "status": basket.status,
            "result": result,
            "outcome": Outcome.RECONCILIATION.value,
        }
        return PaymentAnswer(409, body), basket, Outcome.RECONCILIATION, note

    now = timezone.now()
    fields: dict[str, Any] = {"payment_result_at": now}
    if provider_reference:
        fields["payment_reference"] = provider_reference
    if masked_card_number:
        fields["masked_card_number"] = masked_card_number
    if status == Status.ACTIVE:
        fields["last_activity_at"] = now
        fields["abandoned_at"] = None
    note = ""
    if result == Result.PAID:
        Basket.objects.filter(pk=basket.pk).update(**fields)
        basket_mark_paid(
            basket_id=basket.pk,
            actor=actor,
            payment_reference=provider_reference,
            masked_card_number=masked_card_number,
        )
    elif result == Result.PENDING and status == Status.ACTIVE and _pending_locks():
        Basket.objects.filter(pk=basket.pk).update(**fields)
        reference = f" (reference {provider_reference})" if provider_reference else ""
        basket_lock(
            basket_id=basket.pk,
            actor=actor,
            reason=f"Payment pending{reference}: pending payments are never processed "
            "automatically; check the payment at the provider.",
        )
    else:
        attempt_over = status == Status.ACTIVE and result in (Result.FAILED, Result.CANCELLED)
        if attempt_over:
            # The attempt is over: the shopper may try again, the lock sweep stops waiting.
            fields["payment_started_at"] = None
        Basket.objects.filter(pk=basket.pk).update(**fields)
        if attempt_over:
            # SH-5: the gift cards' money is free again until the next attempt reserves it.
            basket_gift_cards_release(basket, actor=actor, reason=f"Payment {result}.")
        if status == Status.LOCKED:
            note = "The basket stays Locked until staff act."
        event_record(
            basket=basket,
            action=EventAction(f"payment_{result}"),
            actor=actor,
            reason=note,
            payload={"result": result, **payment},
        )
    return _answer(basket.pk, result, Outcome.APPLIED, note), basket, Outcome.APPLIED, note


def _refusal(basket: Basket, *, result: str, amount: Decimal, currency: str):
    """AC-2: why this result may not touch the basket, as (code, note), or None."""
    if basket.stage != Stage.PAYMENT or basket.payment_started_at is None:
        return "payment_not_started", (
            f"A {result} result arrived for a basket with no payment started (not at the "
            "Payment stage, or its payment attempt ended); nothing changed."
        )
    if (amount, currency) != (basket.total, basket.currency):
        return "amount_mismatch", (
            f"A {result} result for {amount} {currency} does not match the basket's total "
            f"{basket.total} {basket.currency}; nothing changed."
        )
    return None


def _pending_locks() -> bool:
    return business_setting("PENDING_PAYMENT_POLICY") == "lock"


def _answer(basket_id: int, result: str, outcome: str, note: str) -> PaymentAnswer:
    basket = Basket.objects.get(pk=basket_id)
    body = {
        "guid": str(basket.guid),
        "status": basket.status,
        "result": result,
        "outcome": str(outcome),
        "detail": note
        or _DETAILS.get((result, basket.status), f"{result.capitalize()} result recorded."),
    }
    return PaymentAnswer(200, body)


_DETAILS = {
    (Result.PAID, Status.AWAITING_COMPLETION): "Paid: the basket awaits completion as an order.",
    (Result.PENDING, Status.LOCKED): "Payment pending: the basket is locked until staff "
    "check the payment.",
    (Result.PENDING, Status.ACTIVE): "Payment pending: the basket waits for the final result.",
    (Result.FAILED, Status.ACTIVE): "Payment failed: the basket stays Active for another try.",
    (Result.CANCELLED, Status.ACTIVE): "Payment cancelled: the basket stays Active for "
    "another try.",
}
