"""AB-6: staff chosen in a live setting get one digest a day of the baskets recovered the
day before."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from constance import config
from django.conf import settings

from abandonment.models import Abandonment
from abandonment.services.digest import recovery_digest_send
from abandonment.tasks import recovery_digest_task

NOW = datetime(2026, 3, 10, 7, 5, tzinfo=UTC)


def recovered_at(moment: datetime, total: str = "10.00", currency: str = "EUR") -> Abandonment:
    return Abandonment.objects.create(
        basket_guid=uuid.uuid4(), captured_at=moment - timedelta(hours=3),
        last_activity_at=moment - timedelta(hours=4), email="ada@example.com",
        total=Decimal(total), currency=currency, lines=[], recovered_at=moment,
        reminders_sent=1,
    )


@pytest.mark.django_db
def test_one_digest_a_day_of_yesterdays_recoveries_to_the_chosen_staff(mailoutbox):
    """SPEC: AB-6 — yesterday's recoveries only, with revenue per currency and links to the
    abandonments, no shopper's address; a second run that day sends nothing."""
    config.RECOVERY_DIGEST_EMAILS = "boss@example.com, sales@example.com"
    day_before = NOW - timedelta(days=1)
    listed = [
        recovered_at(day_before.replace(hour=0, minute=0)),
        recovered_at(day_before.replace(hour=23, minute=59), "5.50"),
        recovered_at(day_before.replace(hour=12), "100.00", "DKK"),
    ]
    recovered_at(NOW - timedelta(minutes=5))  # today
    recovered_at(NOW - timedelta(days=2))  # the day before yesterday

    with time_machine.travel(NOW, tick=False):
        assert recovery_digest_task.apply().get() == 3
        assert recovery_digest_send() == 0

    [mail] = mailoutbox
    assert mail.to == ["boss@example.com", "sales@example.com"]
    assert mail.subject == "Recovered baskets 03/09/2026: 3"
    assert "recovered revenue 100.00 DKK, 15.50 EUR" in mail.body
    for abandonment in listed:
        assert str(abandonment.basket_guid) in mail.body
        assert (f"{settings.BACKOFFICE_BASE_URL}/admin/abandonment/abandonment/"
                f"{abandonment.pk}/change/") in mail.body
    assert mail.body.count("\n- ") == 3
    assert "ada@example.com" not in mail.body


@pytest.mark.django_db
def test_no_digest_without_chosen_staff(mailoutbox):
    """SPEC: AB-6 — the live setting empty (the default): nothing is sent or claimed."""
    recovered_at(NOW - timedelta(days=1))
    with time_machine.travel(NOW, tick=False):
        assert recovery_digest_send() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_refused_mail_gives_the_day_back(mailoutbox, settings):
    """SPEC: AB-6 — the mail server down: the next run sends the digest."""
    config.RECOVERY_DIGEST_EMAILS = "boss@example.com"
    recovered_at(NOW - timedelta(days=1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    with time_machine.travel(NOW, tick=False), pytest.raises(OSError):
        recovery_digest_send()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert recovery_digest_send() == 1
    assert len(mailoutbox) == 1
