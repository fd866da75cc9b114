"""AB-3 schedules in the admin: "Next run at" has a default (and may be left empty), a
recipient without an e-mail address is refused with a message instead of dropped."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from abandonment.models import ReportSchedule
from abandonment.services.reports import schedule_first_run
from tests.support.factories import UserFactory

ADD = "/admin/abandonment/reportschedule/add/"


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(username="rita", is_staff=True, is_superuser=True))
    return client


def test_first_runs_cover_a_whole_period(settings):
    settings.DAILY_NOTIFICATION_HOUR = 7
    now = timezone.make_aware(datetime(2026, 12, 3, 15, 0))  # a Thursday
    runs = {
        frequency: timezone.localtime(schedule_first_run(frequency, now))
        for frequency in ReportSchedule.Frequency.values
    }
    assert runs["daily"] == timezone.make_aware(datetime(2026, 12, 4, 7, 0))
    assert runs["weekly"] == timezone.make_aware(datetime(2026, 12, 7, 7, 0))  # Monday
    assert runs["monthly"] == timezone.make_aware(datetime(2027, 1, 1, 7, 0))


@pytest.mark.django_db
def test_the_add_form_proposes_the_next_run(staff):
    form = staff.get(ADD).context["adminform"].form
    assert form.initial["frequency"] == "weekly"
    assert form.initial["next_run_at"] == schedule_first_run("weekly")


@pytest.mark.django_db
def test_an_empty_next_run_takes_the_first_whole_period(staff):
    ada = UserFactory(username="ada", is_staff=True, email="ada@example.com")
    response = staff.post(
        ADD,
        {"name": "Daily", "recipients": [ada.pk], "frequency": "daily", "active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    schedule = ReportSchedule.objects.get()
    assert schedule.next_run_at == schedule_first_run("daily")
    assert timezone.localdate(schedule.next_run_at) == timezone.localdate() + timedelta(days=1)


@pytest.mark.django_db
def test_a_recipient_without_an_e_mail_address_is_refused_with_a_message(staff):
    ada = UserFactory(username="ada", is_staff=True, email="ada@example.com")
    bo = UserFactory(username="bo", is_staff=True, email="")
    response = staff.post(
        ADD,
        {
            "name": "Weekly",
            "recipients": [ada.pk, bo.pk],
            "frequency": "weekly",
            "next_run_at_0": "2026-12-07",
            "next_run_at_1": "07:00:00",
            "active": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["recipients"]
    assert errors == [
        "No e-mail address for bo: the report cannot be sent to them. Give them an address "
        "under Users, or leave them out."
    ]
    assert not ReportSchedule.objects.exists()
