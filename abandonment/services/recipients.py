"""PV-1 / PV-2 / AB-4: which abandonments a reminder may go to, as one ``Q`` per rule.

The address is the abandonment's e-mail, compared case-insensitively everywhere (the
indexes are on ``UPPER(email)``):

- never an old basket: the age limit (REMINDER_MAX_AGE) counts from the basket's last
  activity, not from the capture (a basket idle for months and captured today is old);
- one sequence per address: only its newest abandonment (by last activity) is reminded;
- an order by that address on any basket since the abandoned basket's last activity, or
  the shopper's return (activity on any basket of theirs since the capture), stops every
  sequence of theirs;
- consent: under the live REMINDER_CONSENT_POLICY "consented", only baskets whose checkout
  details said ``marketing_consent: true``;
- opt-out: neither the reminder's unsubscribe link nor any login with that address;
- no bounce or complaint: the address is not in ``ReminderSuppression``;
- the daily cap (live REMINDER_DAILY_CAP, default 1): no more mails to one address in any
  24 hours; checked for the scheduled steps (``recipient_cap_q``).
"""

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower

from basketops.business import business_setting
from baskets.models import Basket, ShopAccount, Status
from recovery.models import ReminderOptOut

from ..models import Abandonment, ReminderSend, ReminderSuppression

CONSENT_ANY = "any"
CONSENT_CONSENTED = "consented"
# The daily cap's window.
CAP_WINDOW = timedelta(hours=24)


def _newer_abandonment_exists() -> Exists:
    """PV-2: a later abandonment of the same address (it alone is reminded)."""
    newer = Abandonment.objects.filter(email__iexact=OuterRef("email")).filter(
        Q(last_activity_at__gt=OuterRef("last_activity_at"))
        | Q(last_activity_at=OuterRef("last_activity_at"), pk__gt=OuterRef("pk"))
    )
    return Exists(newer)


def _stopped_by(baskets) -> Exists:
    """PV-2: among ``baskets`` (one address's), one ordered since the abandoned basket was
    last touched, or touched since the capture (the shopper is back)."""
    return Exists(
        baskets.filter(
            Q(paid_at__gt=OuterRef("last_activity_at"))
            | Q(completed_at__gt=OuterRef("last_activity_at"))
            | Q(last_activity_at__gt=OuterRef("captured_at"))
        )
    )


def recipient_q(now: datetime) -> Q:
    """Abandonments a reminder may go to at ``now`` (every rule above but the cap)."""
    max_age = business_setting("REMINDER_MAX_AGE")
    address_opted_out = ReminderOptOut.objects.filter(email=Lower(OuterRef("email")))
    login_opted_out = ShopAccount.objects.filter(
        email__iexact=OuterRef("email"), reminder_opt_out_at__isnull=False
    )
    allowed = (
        Q(
            recovered_at__isnull=True,
            last_activity_at__gte=now - max_age,
            # Implied (a capture follows the last activity); lets the open-reminder index
            # narrow the scan.
            captured_at__gte=now - max_age,
            basket__status=Status.ACTIVE,
            basket__last_activity_at__lte=F("captured_at"),
        )
        & ~Q(email="")
        & ~Q(lines=[])
        & ~Q(basket__shop_account__reminder_opt_out_at__isnull=False)
        & ~Exists(address_opted_out)
        & ~Exists(login_opted_out)
        & ~Exists(ReminderSuppression.objects.filter(email=Lower(OuterRef("email"))))
        & ~_newer_abandonment_exists()
        & ~_stopped_by(Basket.objects.filter(email__iexact=OuterRef("email")))
        & ~_stopped_by(Basket.objects.filter(shop_account__email__iexact=OuterRef("email")))
    )
    if business_setting("REMINDER_CONSENT_POLICY") == CONSENT_CONSENTED:
        allowed &= Q(basket__marketing_consent=True)
    return allowed


def recipient_cap_q(now: datetime) -> Q:
    """PV-2: the address got fewer than REMINDER_DAILY_CAP reminders in the last 24 hours."""
    cap = business_setting("REMINDER_DAILY_CAP")
    recent = ReminderSend.objects.filter(
        email__iexact=OuterRef("email"), sent_at__gt=now - CAP_WINDOW
    ).order_by()
    # Exists over the cap-th mail (OFFSET cap - 1): the cap is reached.
    return ~Exists(recent[cap - 1 :])


def address_refusal(email: str) -> str:
    """Why no mail about a basket may go to ``email`` at all (opted out, bounced or
    complained), or "" when one may: the address rules above, for a single address."""
    address = email.strip().lower()
    if not address:
        return "The basket has no e-mail address."
    if ReminderSuppression.objects.filter(email=address).exists():
        return "The address bounced or complained (suppression list)."
    opted_out = ReminderOptOut.objects.filter(email=address).exists() or (
        ShopAccount.objects.filter(email__iexact=address, reminder_opt_out_at__isnull=False)
        .exists()
    )
    if opted_out:
        return "The shopper opted out of basket e-mails."
    return ""
