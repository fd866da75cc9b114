"""AB-6: the daily digest of recovered baskets to the staff chosen in the live setting
RECOVERY_DIGEST_EMAILS: the day before's recoveries (in TIME_ZONE), sent once a day.

It names no shopper (GUID, total, reminders sent, a link to the basket page), so it may go
to any staff address. The day is claimed (``RecoveryDigest``, unique per day) before the
mail goes; a mail the server refuses gives the claim back for the next run.
"""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from basketops.business import business_setting

from ..models import Abandonment, RecoveryDigest

logger = logging.getLogger(__name__)


def recovery_digest_send(*, now: datetime | None = None) -> int:
    """Send yesterday's digest once (no digest without recipients); returns the number of
    recovered baskets it listed, or 0 when it was not (or had already been) sent."""
    recipients = business_setting("RECOVERY_DIGEST_EMAILS")
    if not recipients:
        return 0
    now = now or timezone.now()
    day = timezone.localdate(now) - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time.min))
    recovered = list(
        Abandonment.objects.filter(
            recovered_at__gte=start, recovered_at__lt=start + timedelta(days=1)
        ).order_by("recovered_at", "id")
    )
    try:
        with transaction.atomic():
            claim = RecoveryDigest.objects.create(
                day=day, sent_at=now, recovered=len(recovered)
            )
    except IntegrityError:
        return 0  # another run sent it
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for abandonment in recovered:
        totals[abandonment.currency] += abandonment.total
    revenue = ", ".join(f"{amount} {currency}" for currency, amount in sorted(totals.items()))
    rows = [
        f"- {abandonment.basket_guid}  {abandonment.total} {abandonment.currency}  "
        f"reminders: {abandonment.reminders_sent}  "
        f"{settings.BACKOFFICE_BASE_URL}"
        f"{reverse('admin:abandonment_abandonment_change', args=[abandonment.pk])}"
        for abandonment in recovered
    ]
    body = (
        f"Recovered baskets on {day:%m/%d/%Y}: {len(recovered)}"
        + (f" (recovered revenue {revenue})" if recovered else "")
        + "\n\n"
        + ("\n".join(rows) if rows else "No basket was recovered.")
        + "\n"
    )
    try:
        EmailMessage(
            subject=f"Recovered baskets {day:%m/%d/%Y}: {len(recovered)}",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
        ).send()
    except OSError:
        claim.delete()
        logger.exception("recovery digest for %s not sent; will retry", day)
        raise
    return len(recovered)
