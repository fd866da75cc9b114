"""PV-2: no reminder to an address that bounced or complained: the e-mail service's tracking
webhook (django-anymail; here Mailgun's, signed as Mailgun signs it) suppresses it; System
administrators see and edit the suppression list."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from abandonment.models import ReminderSend, ReminderSuppression
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send
from baskets.roles import ADMINISTRATOR, ORDER_PROCESSOR
from tests.support.abandonment import reminder_sequence_ensure
from tests.support.clients import staff_user
from tests.support.recovery import basket_with_line, login_shopper

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SIGNING_KEY = "key-0123456789abcdef"
HOOK = "/anymail/mailgun/tracking/"
SUPPRESSIONS = "/admin/abandonment/remindersuppression/"


@pytest.fixture(autouse=True)
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    reminder_sequence_ensure()


def mailgun_event(event: dict, *, key: str = SIGNING_KEY, token: str = "a" * 50) -> str:
    """A Mailgun tracking webhook body, signed as Mailgun signs it: HMAC-SHA256 of
    timestamp + token with the webhook signing key."""
    timestamp = str(int(START.timestamp()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return json.dumps({
        "signature": {"timestamp": timestamp, "token": token,
                      "signature": signature.hexdigest()},
        "event-data": {"id": "evt-1", "timestamp": START.timestamp() + 7200, **event},
    })


BOUNCE = {"event": "failed", "severity": "permanent", "reason": "bounce",
          "recipient": "Ada@Example.com",
          "delivery-status": {"code": 550, "description": "Mailbox does not exist"}}
COMPLAINT = {"event": "complained", "recipient": "ada@example.com"}
SOFT_BOUNCE = {**BOUNCE, "severity": "temporary"}


def one_reminder_sent() -> None:
    with time_machine.travel(START, tick=False):
        basket_with_line(customer=True, shop_account=login_shopper("ada", email="ada@example.com"))
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        abandonment_sweep()
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert basket_reminders_send() == (1, False)


@pytest.mark.parametrize(
    ("event", "reason"),
    [pytest.param(BOUNCE, "bounced", id="bounce"),
     pytest.param(COMPLAINT, "complained", id="complaint")],
)
@pytest.mark.django_db
def test_a_signed_bounce_or_complaint_suppresses_the_address_and_the_next_step_is_not_sent(
    client, mailoutbox, event, reason
):
    """SPEC: PV-2 — the service's signed event suppresses the address; no further step."""
    one_reminder_sent()

    answer = client.post(HOOK, mailgun_event(event), content_type="application/json")

    assert answer.status_code == 200
    suppression = ReminderSuppression.objects.get()
    assert (suppression.email, suppression.reason, suppression.source) == (
        "ada@example.com", reason, "mailgun")
    with time_machine.travel(START + timedelta(hours=30), tick=False):
        assert basket_reminders_send() == (0, False)
    assert len(mailoutbox) == 1 and ReminderSend.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(mailgun_event(BOUNCE, key="key-wrong"), 400, id="wrong-signature"),
        pytest.param(mailgun_event(SOFT_BOUNCE), 200, id="soft-bounce"),
        pytest.param(mailgun_event({"event": "delivered", "recipient": "ada@example.com"}), 200,
                     id="delivered"),
    ],
)
@pytest.mark.django_db
def test_an_unsigned_event_or_a_soft_bounce_suppresses_nothing(client, mailoutbox, body, status):
    """SPEC: PV-2 — a forged event is refused (400); a temporary failure or a delivery is no
    reason; the next step goes out."""
    one_reminder_sent()

    answer = client.post(HOOK, body, content_type="application/json")

    assert answer.status_code == status
    assert ReminderSuppression.objects.count() == 0
    with time_machine.travel(START + timedelta(hours=30), tick=False):
        assert basket_reminders_send() == (1, False)


@pytest.mark.django_db
def test_a_service_that_is_not_configured_answers_404(client, settings):
    """Plain SMTP (no e-mail service): the webhook is not there, never a 500."""
    settings.ANYMAIL = {}

    answer = client.post(HOOK, mailgun_event(BOUNCE), content_type="application/json")

    assert answer.status_code == 404
    assert ReminderSuppression.objects.count() == 0


@pytest.mark.django_db
def test_system_administrators_see_add_and_lift_suppressions_order_processors_do_not(
    client, mailoutbox
):
    """SPEC: PV-2 AC-1 — the list is the System administrators'; an address they add gets
    no reminder, one they delete gets them again."""
    client.force_login(staff_user(ORDER_PROCESSOR, "otto"))
    assert client.get(SUPPRESSIONS).status_code == 403
    assert client.post(f"{SUPPRESSIONS}add/", {"email": "x@example.com",
                                               "reason": "manual"}).status_code == 403
    client.force_login(staff_user(ADMINISTRATOR, "olga"))

    added = client.post(f"{SUPPRESSIONS}add/", {"email": "ADA@example.com", "reason": "manual",
                                                "detail": "asked on the phone"})
    twice = client.post(f"{SUPPRESSIONS}add/", {"email": "ada@example.com", "reason": "manual"})

    assert added.status_code == 302
    assert twice.status_code == 200 and "suppressed already" in twice.content.decode()
    suppression = ReminderSuppression.objects.get()
    assert (suppression.email, suppression.source) == ("ada@example.com", "staff:olga")
    assert "ada@example.com" in client.get(SUPPRESSIONS).content.decode()
    with time_machine.travel(START, tick=False):
        basket_with_line(customer=True, shop_account=login_shopper("ada", email="ada@example.com"))
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        abandonment_sweep()
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        assert basket_reminders_send() == (0, False)

    lifted = client.post(f"{SUPPRESSIONS}{suppression.pk}/delete/", {"post": "yes"})

    assert lifted.status_code == 302 and ReminderSuppression.objects.count() == 0
    with time_machine.travel(START + timedelta(hours=2, minutes=5), tick=False):
        assert basket_reminders_send() == (1, False)
