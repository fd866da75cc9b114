"""PV-2: addresses no reminder goes to after a bounce or a complaint.

The e-mail service reports them through its tracking webhook (django-anymail verifies the
service's signature and normalises the event); ``tracking_event_record`` turns a bounce or
complaint into a ``ReminderSuppression``. With plain SMTP there is no such report: the list
holds only what System administrators add.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import ReminderSuppression

logger = logging.getLogger(__name__)

# anymail's normalised event types that end reminders to the address.
SUPPRESSING_EVENTS = {
    "bounced": ReminderSuppression.Reason.BOUNCED,
    "complained": ReminderSuppression.Reason.COMPLAINED,
}


def suppression_record(
    *, email: str, reason: str, source: str, detail: str = "", at: datetime | None = None
) -> ReminderSuppression:
    """Suppress ``email`` (case-insensitively); a later report updates the reason. Safe to
    repeat; locks the address's row by its unique key."""
    address = email.strip().lower()
    with transaction.atomic():
        suppression, _ = ReminderSuppression.objects.update_or_create(
            email=address,
            defaults={
                "reason": reason,
                "suppressed_at": at or timezone.now(),
                "source": source[:100],
                "detail": detail[:300],
            },
        )
    return suppression


def tracking_event_record(*, event, esp_name: str) -> ReminderSuppression | None:
    """A verified anymail tracking event: a bounce or complaint suppresses its recipient;
    other events (delivered, opened, ...) change nothing."""
    reason = SUPPRESSING_EVENTS.get(event.event_type)
    if reason is None or not event.recipient:
        return None
    detail = event.description or event.reject_reason or ""
    suppression = suppression_record(
        email=event.recipient,
        reason=reason,
        source=esp_name.lower(),
        detail=str(detail),
        at=event.timestamp,
    )
    logger.info("reminders suppressed for an address: %s reported by %s", reason, esp_name)
    return suppression
