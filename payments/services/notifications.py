"""Provider notifications become payment results (SH-4), through the basket domain's one
payment-result service: the same policy for pending payments, the same locks, the same
reconciliation of late, mismatched or unknown results as the storefront's payment API.

The provider's event id, prefixed with the provider's name, is the idempotency key: a
repeated notification replays the first answer and changes nothing."""

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from baskets.exceptions import BasketNotFound
from baskets.services.actors import Actor
from baskets.services.payments import payment_reconciliation_record, payment_result_record
from baskets.services.storefront_errors import StorefrontInputError

from ..exceptions import NotificationRefused
from ..providers import Notification, provider_get

logger = logging.getLogger(__name__)


class ProviderOff(Exception):
    """No such provider, or it is not configured."""


@dataclass(frozen=True)
class NotificationAnswer:
    """What the notification did: ``outcome`` is a PaymentResult outcome, or ``ignored``."""

    outcome: str
    detail: str


def notification_receive(
    *, provider_name: str, body: bytes, headers: Mapping[str, str]
) -> NotificationAnswer:
    """Verify one provider notification and record its payment result (locks the basket
    through ``payment_result_record``). Raises ``ProviderOff`` or ``NotificationRefused``
    (nothing written) and ``ProviderUnavailable`` when the check needs the provider."""
    provider = provider_get(provider_name)
    if provider is None or not provider.notifications_on:
        raise ProviderOff(provider_name)
    notification = provider.notification_verify(body=body, headers=headers)
    if not notification.result:
        return NotificationAnswer("ignored", f"Event type {notification.event_type} is not used.")
    try:
        guid = uuid.UUID(notification.basket_guid)
    except ValueError:
        logger.info(
            "%s event %s (%s) names no basket GUID; ignored",
            provider_name,
            notification.event_id,
            notification.event_type,
        )
        return NotificationAnswer("ignored", "The payment names no basket GUID.")
    if notification.amount is None or not notification.currency:
        raise NotificationRefused(f"{provider_name} event {notification.event_id} has no amount")
    return _record(provider_name, guid, notification)


def _record(provider_name: str, guid: uuid.UUID, notification: Notification):
    actor = Actor.system(provider_name)
    key = f"{provider_name}:{notification.event_id}"
    try:
        answer = payment_result_record(
            guid=guid,
            result=notification.result,
            actor=actor,
            amount=notification.amount,
            currency=notification.currency,
            provider_reference=notification.reference[:100],
            idempotency_key=key,
        )
    except BasketNotFound:
        return _unknown_basket(provider_name, guid, notification, key=key, actor=actor)
    except StorefrontInputError as error:
        raise NotificationRefused(str(error)) from error
    return NotificationAnswer(
        answer.body.get("outcome", "reconciliation"), answer.body.get("detail", "Replayed.")
    )


def _unknown_basket(provider_name, guid, notification: Notification, *, key, actor):
    """A payment for a basket Basket Ops never had: kept for staff to match at the provider."""
    note = (
        f"A {notification.result} {provider_name} payment ({notification.event_type}, "
        f"reference {notification.reference}) names basket {guid}, which Basket Ops never had; "
        "nothing changed."
    )
    try:
        with transaction.atomic():
            payment_reconciliation_record(
                basket=None,
                guid=guid,
                result=notification.result,
                actor=actor,
                amount=notification.amount,
                currency=notification.currency,
                provider_reference=notification.reference,
                note=note,
                idempotency_key=key,
            )
    except IntegrityError:
        pass  # the same event, delivered twice at once, was recorded by the other delivery
    return NotificationAnswer("reconciliation", note)
