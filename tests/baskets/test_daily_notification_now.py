"""LC-5 on day one: System administrators send the daily staff e-mail now; a day whose
scheduled hour was missed is caught up at the next run, and each day's goes once."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from baskets.models import Status
from completion.services.daily_report import daily_notification_due_send
from completion.tasks import daily_notification_due_task
from tests.support.clients import staff_user
from tests.support.factories import basket_in_status

SEND = "/admin/baskets/order/daily-notification/"


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=3) + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def reporting(settings):
    settings.EMAIL_SYSTEM_MESSAGES = True
    settings.STAFF_NOTIFICATION_EMAILS = ["ops@example.com"]
    settings.DAILY_NOTIFICATION_HOUR = 7
    with time_machine.travel(at(0, 5), tick=False):
        basket_in_status(Status.LOCKED)


def staff_client(client, role: str):
    client.force_login(staff_user(role))
    return client


@pytest.mark.django_db
def test_a_missed_hour_is_caught_up_at_the_next_run_and_each_day_goes_once(
    reporting, mailoutbox
):
    with time_machine.travel(at(0, 6, 55), tick=False):
        assert daily_notification_due_task() is False  # before the hour
    # The scheduler was down at 07:00: the run at 09:35 sends the day's e-mail.
    with time_machine.travel(at(0, 9, 35), tick=False):
        assert daily_notification_due_send() is True
    with time_machine.travel(at(0, 9, 40), tick=False):
        assert daily_notification_due_send() is False  # sent already today
    with time_machine.travel(at(1, 7, 0), tick=False):
        assert daily_notification_due_task() is True  # the next day, at its hour
    assert len(mailoutbox) == 2
    assert mailoutbox[0].to == ["ops@example.com"]
    assert "1 locked" in mailoutbox[0].subject


@pytest.mark.django_db
def test_a_day_with_system_e_mails_off_is_sent_when_they_are_turned_on(
    reporting, settings, mailoutbox
):
    settings.EMAIL_SYSTEM_MESSAGES = False
    with time_machine.travel(at(0, 8), tick=False):
        assert daily_notification_due_send() is False
    settings.EMAIL_SYSTEM_MESSAGES = True
    with time_machine.travel(at(0, 11), tick=False):
        assert daily_notification_due_send() is True
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_system_administrator_sends_it_now_from_the_dashboard(reporting, client, mailoutbox):
    administrator = staff_client(client, "System administrator")
    dashboard = administrator.get("/admin/").content.decode()
    assert 'id="daily-notification-send"' in dashboard
    response = administrator.post(SEND, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["The daily staff e-mail was sent to ops@example.com."]
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_sending_now_says_why_when_it_cannot_go(reporting, settings, client, mailoutbox):
    administrator = staff_client(client, "System administrator")
    settings.EMAIL_SYSTEM_MESSAGES = False
    response = administrator.post(SEND, follow=True)
    shown = " ".join(str(message) for message in response.context["messages"])
    assert "was not sent" in shown and "EMAIL_SYSTEM_MESSAGES" in shown
    assert mailoutbox == []


@pytest.mark.django_db
def test_an_order_processor_may_not_send_it(reporting, client, mailoutbox):
    processor = staff_client(client, "Order processor")
    assert 'id="daily-notification-send"' not in processor.get("/admin/").content.decode()
    assert processor.post(SEND).status_code == 403
    assert processor.get(SEND).status_code == 403
    assert mailoutbox == []
