"""AB-4: reminder sequences for abandoned baskets, each mail holding the recovery link.

Staff define the steps (``ReminderStep``: delay after the capture, subject and body as
Django templates). Step *n* goes to the abandonment's e-mail (the login's, or the guest's
from the checkout details) once its delay has passed, when:

- the gap between this step and the previous one has passed since the previous mail;
- the basket is still Active, with lines, and the abandonment is not recovered (ordered);
- the rules of ``recipients`` allow it: the basket was last touched less than
  REMINDER_MAX_AGE ago, it is the address's newest abandonment, the address has not
  ordered or come back since, gave the consent the policy asks for, did not opt out, and
  got fewer than REMINDER_DAILY_CAP reminders in the last 24 hours.

Never twice for one step: a batch is claimed in a short transaction (``SELECT ... FOR
UPDATE SKIP LOCKED``, so two workers never take the same row) by counting the step as sent
and inserting its ``ReminderSend`` row (unique per abandonment and step); the claim commits
before any mail is sent. A mail the server refuses gives its claim back for the next run; a
worker that dies after the claim sends nothing for those rows rather than risk a second
mail. Each mail sent is recorded in the basket's timeline.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from basketops.business import business_setting
from baskets.models import Coupon, Product, TimelineAction
from baskets.services.actors import Actor
from baskets.services.coupons import coupon_issue, coupon_withdraw
from baskets.services.transitions import event_record
from recovery.unsubscribe import unsubscribe_url

from ..models import Abandonment, ReminderSend, ReminderStep
from .recipients import recipient_cap_q, recipient_q
from .reminder_mail import (
    MailBasket,
    coupon_offer,
    greeting_name,
    link_with_utm,
    mail_language,
    reminder_mail_render,
    reminder_recovery_link,
    step_texts,
)

logger = logging.getLogger(__name__)

# Reminders one run claims and sends before re-queueing itself.
BATCH_SIZE = 100
REMINDERS = Actor.system("reminders")
@dataclass(frozen=True)
class Claimed:
    abandonment: Abandonment
    step: ReminderStep
    step_number: int


def reminder_steps() -> list[ReminderStep]:
    """The active steps of the sequence, in the order they go out."""
    return list(ReminderStep.objects.filter(active=True).order_by("delay", "id"))


def _due_q(now: datetime, steps: list[ReminderStep]) -> Q:
    """Step n is due when n - 1 steps went out, its delay has passed, and the gap between
    the two steps has passed since the previous mail: a sender that was down, or a step
    sent by hand, never makes two mails arrive together."""
    due = Q(pk__in=[])
    previous = None
    for index, step in enumerate(steps):
        step_due = Q(reminders_sent=index, captured_at__lte=now - step.delay)
        if previous is not None:
            step_due &= Q(reminded_at__lte=now - (step.delay - previous.delay))
        due |= step_due
        previous = step
    return recipient_q(now) & recipient_cap_q(now) & due


def reminders_due(*, now: datetime | None = None):
    """Abandonments a reminder step is due for at ``now`` (no lock): what the next run
    would send, under the same rules."""
    return Abandonment.objects.filter(_due_q(now or timezone.now(), reminder_steps()))


def _claim(
    queryset, steps: list[ReminderStep], now: datetime, batch_size: int
) -> tuple[list[Claimed], bool]:
    with transaction.atomic():
        rows = list(
            queryset.select_for_update(of=("self",), skip_locked=True)
            .select_related("basket__shop_account")
            .order_by("captured_at", "pk")[: batch_size + 1]
        )
        has_more = len(rows) > batch_size
        claimed = [
            Claimed(row, steps[row.reminders_sent], row.reminders_sent + 1)
            for row in rows[:batch_size]
        ]
        for item in claimed:
            item.abandonment.reminders_sent = item.step_number
            item.abandonment.reminded_at = now
            item.abandonment.reminder_email = item.abandonment.email
        Abandonment.objects.bulk_update(
            [item.abandonment for item in claimed],
            ["reminders_sent", "reminded_at", "reminder_email"],
        )
        # The unique constraint is the last word: a step is never claimed twice.
        ReminderSend.objects.bulk_create(
            ReminderSend(
                abandonment=item.abandonment,
                step_number=item.step_number,
                step=item.step,
                email=item.abandonment.email,
                sent_at=now,
            )
            for item in claimed
        )
    return claimed, has_more


def _claim_release(item: Claimed, claimed_at: datetime) -> None:
    with transaction.atomic():
        ReminderSend.objects.filter(
            abandonment=item.abandonment, step_number=item.step_number, sent_at=claimed_at
        ).delete()
        Abandonment.objects.filter(
            pk=item.abandonment.pk, reminders_sent=item.step_number, reminded_at=claimed_at
        ).update(reminders_sent=item.step_number - 1, reminded_at=None)


def _incentive(item: Claimed, now: datetime) -> Coupon | None:
    """The step's coupon for this recipient, made as the mail goes out (or None)."""
    step = item.step
    if step.coupon_percent_off is None and step.coupon_amount_off is None:
        return None
    return coupon_issue(
        email=item.abandonment.email,
        valid_for=timedelta(days=step.coupon_valid_days),
        percent_off=step.coupon_percent_off,
        amount_off=step.coupon_amount_off,
        currency=item.abandonment.currency,
        now=now,
    )


def _message(
    item: Claimed, names: dict[str, str], connection, coupon: Coupon | None = None
) -> EmailMultiAlternatives:
    """PV-5: the step's mail in the basket's language, HTML with a text alternative."""
    abandonment = item.abandonment
    basket = abandonment.basket
    account = basket.shop_account
    if account is not None and account.email.lower() == abandonment.email.lower():
        unsubscribe = unsubscribe_url(account.guid)
    else:
        unsubscribe = unsubscribe_url(email=abandonment.email)
    language, subject, body = step_texts(item.step, mail_language(basket))
    link = reminder_recovery_link(basket, abandonment.email)
    mail = reminder_mail_render(
        subject=subject,
        body=body,
        language=language,
        basket=MailBasket(
            guid=str(abandonment.basket_guid),
            link=link_with_utm(link, f"reminder-{item.step_number}"),
            name=greeting_name(basket, abandonment.email),
            lines=[
                {**line, "name": names.get(line.get("product_id", ""), line.get("product_id", ""))}
                for line in abandonment.lines
            ],
            total=abandonment.total,
            currency=abandonment.currency,
        ),
        unsubscribe=unsubscribe,
        coupon=coupon_offer(coupon, language) if coupon is not None else None,
    )
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[abandonment.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": mail.language,
        },
        connection=connection,
    )
    message.attach_alternative(mail.html, "text/html")
    return message


def _sent_record(item: Claimed, actor: Actor, now: datetime) -> None:
    """AB-4: the mail is in the basket's timeline."""
    event_record(
        basket=item.abandonment.basket,
        action=TimelineAction.REMINDER_SENT,
        actor=actor,
        reason=f"Reminder {item.step_number}: {item.step.subject}",
        payload={"step": item.step_number, "abandonment": item.abandonment.pk},
        at=now,
    )


def _send(claimed: list[Claimed], now: datetime, actor: Actor) -> int:
    product_ids = {
        line.get("product_id", "") for item in claimed for line in item.abandonment.lines
    }
    names = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "name"))
    sent = 0
    connection = get_connection()
    try:
        connection.open()
    except OSError:
        # The mail server cannot be reached: give every claim back for the next run.
        for item in claimed:
            _claim_release(item, now)
        logger.exception("basket reminders not sent: no mail connection; will retry")
        raise
    try:
        for item in claimed:
            coupon = _incentive(item, now)
            try:
                _message(item, names, connection, coupon).send()
            except OSError:
                # SMTPException is an OSError: give the claim back for the next run.
                if coupon is not None:
                    coupon_withdraw(code=coupon.code)
                _claim_release(item, now)
                logger.exception(
                    "reminder %s for abandonment %s (basket %s) not sent; will retry",
                    item.step_number,
                    item.abandonment.pk,
                    item.abandonment.basket_id,
                )
                continue
            if coupon is not None:
                ReminderSend.objects.filter(
                    abandonment=item.abandonment, step_number=item.step_number
                ).update(coupon_code=coupon.code)
            _sent_record(item, actor, now)
            sent += 1
    finally:
        connection.close()
    return sent


def basket_reminders_send(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> tuple[int, bool]:
    """AB-4: send one batch of due steps, each once; locks the claimed rows only to claim."""
    if not business_setting("REMINDERS_ENABLED"):
        return 0, False
    now = now or timezone.now()
    steps = reminder_steps()
    if not steps:
        return 0, False
    claimed, has_more = _claim(
        Abandonment.objects.filter(_due_q(now, steps)), steps, now, batch_size
    )
    if not claimed:
        return 0, False
    sent = _send(claimed, now, REMINDERS)
    logger.info("sent %s basket reminder(s)", sent)
    return sent, has_more


def abandonment_reminder_send_now(*, abandonment_id: int, actor: Actor) -> bool:
    """AB-4: send the next step now, by hand, if still reachable; locks the row to claim."""
    now = timezone.now()
    steps = reminder_steps()
    reachable = Abandonment.objects.filter(
        recipient_q(now), pk=abandonment_id, reminders_sent__lt=len(steps)
    )
    claimed, _ = _claim(reachable, steps, now, 1)
    return bool(claimed) and _send(claimed, now, actor) == 1
