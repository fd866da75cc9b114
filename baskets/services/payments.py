"""Payment results reported by storefronts (API-2, LC-1, LC-4).

``payment_result_record`` locks the basket once; ``payment_decide`` (pure) decides from the
locked row what the result does; ``_apply`` writes that in one write of the row (through the
transition services, handed the locked row) and the result is stored with the answer it
gave, all in one transaction. So a result racing a staff Unlock or Delete is applied
either before the staff action (which then sees the new status) or after it (and is
recorded for reconciliation): never lost. A repeated ``Idempotency-Key`` replays the first
answer and changes nothing (``IdempotencyKeyRaced`` when two arrive at once).

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
from security.cards import card_numbers_refuse

from ..currencies import amount_fits, amount_format
from ..exceptions import BasketNotFound
from ..locks import basket_lock_row
from ..models import Basket, PaymentResult, Stage, Status, TimelineAction
from ..selectors import basket_was_deleted, guid_parse
from .actors import Actor
from .cards import masked_card_validate
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


class IdempotencyKeyRaced(Exception):
    """Another request with the same Idempotency-Key committed first: replay its answer."""


@dataclass(frozen=True)
class PaymentDecision:
    """What one payment result does to a basket, decided from the locked row alone.

    ``action`` is the transition (MARK_PAID, LOCK) or the timeline entry written;
    ``status_after`` the basket's status once applied (empty when there is no basket)."""

    outcome: str
    action: TimelineAction | None
    status_after: str
    note: str = ""
    # On a refusal: the 409's code.
    code: str = ""
    # The payment attempt is over (failed or cancelled while Active): the shopper may try
    # again, the lock sweep stops waiting, the gift cards' money is released (SH-5).
    ends_attempt: bool = False


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
    payment = {
        "payment_reference": provider_reference,
        "masked_card_number": masked_card_number,
        "amount": str(amount),
        "currency": currency,
    }
    try:
        with transaction.atomic():
            basket = _basket_lock(guid)
            # Under the row lock: a concurrent request with the same key has committed now.
            if (
                idempotency_key
                and PaymentResult.objects.filter(idempotency_key=idempotency_key).exists()
            ):
                raise IdempotencyKeyRaced(idempotency_key)
            decision = payment_decide(
                basket=basket,
                result=result,
                amount=amount,
                currency=currency,
                pending_locks=result == Result.PENDING and _pending_locks(),
            )
            _apply(basket, decision, result=result, actor=actor, payment=payment)
            answer = payment_answer(decision, guid=guid, result=result, basket=basket)
            try:
                with transaction.atomic():
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
                        outcome=decision.outcome,
                        note=decision.note,
                        response_status=answer.http_status,
                        response_body=answer.body,
                        created_at=timezone.now(),
                    )
            except IntegrityError as error:
                # Only a deleted basket has no row lock: the same key arrived twice at once.
                raise IdempotencyKeyRaced(idempotency_key) from error
    except IdempotencyKeyRaced:
        replayed = _replay(idempotency_key, guid)
        if replayed is None:
            raise
        return replayed
    if decision.outcome == Outcome.RECONCILIATION:
        logger.warning("payment result %s for basket %s recorded for reconciliation", result, guid)
    return answer


def _basket_lock(guid: uuid.UUID) -> Basket | None:
    """The basket, locked; None when staff deleted it (``BasketNotFound`` if it never was)."""
    basket_id = Basket.objects.filter(guid=guid).values_list("pk", flat=True).first()
    basket = None
    if basket_id is not None:
        try:
            basket = basket_lock_row(basket_id)
        except BasketNotFound:
            basket = None  # deleted while we waited for the lock
    if basket is None and not basket_was_deleted(guid):
        raise BasketNotFound(f"No basket with GUID {guid}.")
    return basket


def payment_decide(
    *,
    basket: Basket | None,
    result: str,
    amount: Decimal,
    currency: str,
    pending_locks: bool,
) -> PaymentDecision:
    """What a ``result`` does to the (locked) ``basket``, None when staff deleted it; pure."""
    if basket is None:
        return PaymentDecision(
            outcome=Outcome.RECONCILIATION,
            action=None,
            status_after="",
            note="The basket was deleted by staff before this result arrived; nothing changed.",
            code="basket_deleted",
        )
    status = Status(basket.status)
    if status not in (Status.ACTIVE, Status.LOCKED):
        return PaymentDecision(
            outcome=Outcome.RECONCILIATION,
            action=TimelineAction.PAYMENT_RECONCILIATION,
            status_after=status,
            note=f"A {result} result arrived for a basket that is already {status.label}; "
            "no second order, nothing changed.",
        )
    refusal = _refusal(basket, result=result, amount=amount, currency=currency)
    if refusal is not None:
        code, note = refusal
        return PaymentDecision(
            outcome=Outcome.RECONCILIATION,
            action=TimelineAction.PAYMENT_RECONCILIATION,
            status_after=status,
            note=note,
            code=code,
        )
    if result == Result.PAID:
        return PaymentDecision(
            outcome=Outcome.APPLIED,
            action=TimelineAction.MARK_PAID,
            status_after=Status.AWAITING_COMPLETION,
        )
    if result == Result.PENDING and status == Status.ACTIVE and pending_locks:
        return PaymentDecision(
            outcome=Outcome.APPLIED, action=TimelineAction.LOCK, status_after=Status.LOCKED
        )
    return PaymentDecision(
        outcome=Outcome.APPLIED,
        action=TimelineAction(f"payment_{result}"),
        status_after=status,
        note="The basket stays Locked until staff act." if status == Status.LOCKED else "",
        ends_attempt=status == Status.ACTIVE and result in (Result.FAILED, Result.CANCELLED),
    )


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
    idempotency_key: str = "",
) -> PaymentResult:
    """Keep a payment that changed no basket for staff to match at the provider (listed
    with the late payment results, in the daily report, and in the basket's timeline while
    the basket exists). Call with the basket locked, or ``None`` when it was deleted."""
    now = timezone.now()
    if basket is not None:
        event_record(
            basket=basket,
            action=TimelineAction.PAYMENT_RECONCILIATION,
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
        # A provider's event id: its repeat replays this row and changes nothing.
        idempotency_key=idempotency_key,
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
    basket: Basket | None,
    decision: PaymentDecision,
    *,
    result: str,
    actor: Actor,
    payment: dict[str, str],
) -> None:
    """Write ``decision`` on the locked basket: one write of the row, with its timeline."""
    if basket is None:
        return
    if decision.outcome == Outcome.RECONCILIATION:
        event_record(
            basket=basket,
            action=TimelineAction.PAYMENT_RECONCILIATION,
            actor=actor,
            reason=decision.note,
            payload={"result": result, **payment},
        )
        return
    now = timezone.now()
    changes: dict[str, Any] = {"payment_result_at": now}
    if payment["payment_reference"]:
        changes["payment_reference"] = payment["payment_reference"]
    if payment["masked_card_number"]:
        changes["masked_card_number"] = payment["masked_card_number"]
    if basket.status == Status.ACTIVE:
        changes["last_activity_at"] = now
        changes["abandoned_at"] = None
    if decision.action == TimelineAction.MARK_PAID:
        basket_mark_paid(
            basket_id=basket.pk,
            actor=actor,
            payment_reference=payment["payment_reference"],
            masked_card_number=payment["masked_card_number"],
            changes=changes,
            locked_basket=basket,
        )
        return
    if decision.action == TimelineAction.LOCK:
        reference = payment["payment_reference"]
        reference = f" (reference {reference})" if reference else ""
        basket_lock(
            basket_id=basket.pk,
            actor=actor,
            reason=f"Payment pending{reference}: pending payments are never processed "
            "automatically; check the payment at the provider.",
            changes=changes,
            locked_basket=basket,
        )
        return
    if decision.ends_attempt:
        changes["payment_started_at"] = None
    for field, value in changes.items():
        setattr(basket, field, value)
    basket.save(update_fields=list(changes))
    event_record(
        basket=basket,
        action=decision.action,
        actor=actor,
        reason=decision.note,
        payload={"result": result, **payment},
    )
    if decision.ends_attempt:
        # SH-5: the gift cards' money is free again until the next attempt reserves it.
        basket_gift_cards_release(basket, actor=actor, reason=f"Payment {result}.")


def payment_answer(
    decision: PaymentDecision, *, guid: uuid.UUID, result: str, basket: Basket | None
) -> PaymentAnswer:
    """The API's answer to a decided result (kept and replayed for its Idempotency-Key)."""
    if basket is None:
        return PaymentAnswer(
            409,
            {
                "detail": f"Basket {guid} was deleted by staff. The {result} result was "
                "recorded for reconciliation; nothing changed. Start again with a new basket.",
                "code": decision.code,
                "guid": str(guid),
                "result": result,
                "outcome": Outcome.RECONCILIATION.value,
            },
        )
    if decision.code:
        return PaymentAnswer(
            409,
            {
                "detail": f"{decision.note} The result was recorded for reconciliation.",
                "code": decision.code,
                "guid": str(guid),
                "status": str(decision.status_after),
                "result": result,
                "outcome": Outcome.RECONCILIATION.value,
            },
        )
    detail = decision.note or _DETAILS.get(
        (result, decision.status_after), f"{result.capitalize()} result recorded."
    )
    return PaymentAnswer(
        200,
        {
            "guid": str(guid),
            "status": str(decision.status_after),
            "result": result,
            "outcome": str(decision.outcome),
            "detail": detail,
        },
    )


def _refusal(basket: Basket, *, result: str, amount: Decimal, currency: str):
    """AC-2: why this result may not touch the basket, as (code, note), or None."""
    if basket.stage != Stage.PAYMENT or basket.payment_started_at is None:
        return "payment_not_started", (
            f"A {result} result arrived for a basket with no payment started (not at the "
            "Payment stage, or its payment attempt ended); nothing changed."
        )
    if currency == basket.currency and not amount_fits(amount, currency):
        # SH-2: 174.43 JPY is no amount in a currency without a minor unit.
        return "amount_mismatch", (
            f"A {result} result for {amount} {currency} has more decimals than {currency} "
            f"has; the basket's total is {amount_format(basket.total, basket.currency)} "
            f"{basket.currency}; nothing changed."
        )
    if (amount, currency) != (basket.total, basket.currency):
        return "amount_mismatch", (
            f"A {result} result for {amount} {currency} does not match the basket's total "
            f"{amount_format(basket.total, basket.currency)} {basket.currency}; nothing changed."
        )
    return None


def _pending_locks() -> bool:
    return business_setting("PENDING_PAYMENT_POLICY") == "lock"


_DETAILS = {
    (Result.PAID, Status.AWAITING_COMPLETION): "Paid: the basket awaits completion as an order.",
    (Result.PENDING, Status.LOCKED): "Payment pending: the basket is locked until staff "
    "check the payment.",
    (Result.PENDING, Status.ACTIVE): "Payment pending: the basket waits for the final result.",
    (Result.FAILED, Status.ACTIVE): "Payment failed: the basket stays Active for another try.",
    (Result.CANCELLED, Status.ACTIVE): "Payment cancelled: the basket stays Active for "
    "another try.",
}
