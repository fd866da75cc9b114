"""AB-3 / AB-6: the abandon report, generated in the background and picked up in the admin."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from abandonment.models import Abandonment, AbandonReport, ReportSchedule, ReportStatus
from abandonment.services.reports import (
    abandon_report_build,
    abandon_report_request,
    report_schedules_run,
)
from baskets.services.actors import Actor
from tests.support.factories import UserFactory

REPORTS = "/admin/abandonment/abandonreport/"


def abandonment(day: date, *, lines, recovered=False, email="ada@example.com"):
    at = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=10)
    return Abandonment.objects.create(
        basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        shop_account_email=email,
        total="30.00",
        currency="EUR",
        lines=lines,
        recovered_at=at + timedelta(days=1) if recovered else None,
    )


@pytest.fixture
def staff_client(client):
    user = UserFactory(username="rita", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_generate_form_accepts_mm_dd_yyyy_and_queues_a_report(
    staff_client, django_capture_on_commit_callbacks
):
    """SPEC: AB-3"""
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            f"{REPORTS}add/", {"date_from": "03/01/2026", "date_to": "03/31/2026"}, follow=True
        )
    assert response.status_code == 200
    report = AbandonReport.objects.get()
    assert (report.date_from, report.date_to, report.status) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        ReportStatus.QUEUED,
    )
    assert report.requested_by.username == "rita"
    assert len(callbacks) == 1, "the build task is queued when the request commits"
    assert "being generated in the background" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_from": "2026-03-01", "date_to": "03/31/2026"}, "Enter the date as MM/DD/YYYY."),
        ({"date_from": "13/45/2026", "date_to": "03/31/2026"}, "Enter the date as MM/DD/YYYY."),
        (
            {"date_from": "03/31/2026", "date_to": "03/01/2026"},
            "The From date must not be after the To date.",
        ),
    ],
)
def test_bad_dates_are_form_errors_and_queue_nothing(staff_client, data, message):
    """SPEC: AB-3"""
    response = staff_client.post(f"{REPORTS}add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AbandonReport.objects.exists()


@pytest.mark.django_db
def test_report_spreadsheet_holds_the_range_lines_and_rates(staff_client):
    """SPEC: AB-3 AB-6"""
    abandonment(
        date(2026, 3, 1),
        lines=[
            {"product_id": "PRD-1", "variant_id": "PRD-1-M", "quantity": 2, "unit_price": "10.00"},
            {"product_id": "CRS-2", "variant_id": "", "quantity": 1, "unit_price": "10.00"},
        ],
    )
    abandonment(
        date(2026, 3, 31),
        lines=[{"product_id": "PRD-1", "variant_id": "", "quantity": 1, "unit_price": "30.00"}],
        recovered=True,
    )
    abandonment(
        date(2026, 4, 1),
        lines=[{"product_id": "OUT", "variant_id": "", "quantity": 1, "unit_price": "1.00"}],
    )
    report = abandon_report_request(
        actor=Actor.system("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
    )
    built = abandon_report_build(report_id=report.pk)
    assert built.status == ReportStatus.DONE
    assert (built.baskets_total, built.baskets_done, built.rows_written, built.progress) == (
        2,
        2,
        3,
        100,
    )
    assert abandon_report_build(report_id=report.pk) is None, "built once"

    page = staff_client.get(REPORTS).content.decode()
    assert "Ready to download" in page and 'value="100"' in page
    download = staff_client.get(f"{REPORTS}{report.pk}/download/")
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(workbook["Abandonments"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Captured at", "Last activity", "Basket ID", "Shop account e-mail")
    assert [(row[7], row[8], row[9]) for row in rows[1:]] == [
        ("PRD-1", "PRD-1-M", 2),
        ("CRS-2", None, 1),
        ("PRD-1", None, 1),
    ]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Abandoned baskets"] == 2
    assert summary["Recovered baskets"] == 1
    assert summary["Recovery rate"] == 0.5
    assert summary["PRD-1"] == 2


@pytest.mark.django_db
def test_download_of_a_report_not_ready_is_a_message(staff_client):
    """SPEC: AB-3"""
    report = abandon_report_request(
        actor=Actor.system("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)
    )
    response = staff_client.get(f"{REPORTS}{report.pk}/download/", follow=True)
    assert any("not ready" in str(m) for m in response.context["messages"])
    assert staff_client.get(f"{REPORTS}99999/download/", follow=True).status_code == 200


@pytest.mark.django_db
def test_scheduled_reports_are_queued_when_due():
    """SPEC: AB-3"""
    now = timezone.now()
    schedule = ReportSchedule.objects.create(
        name="weekly", frequency="weekly", next_run_at=now - timedelta(minutes=1)
    )
    assert report_schedules_run(now=now) == 1
    report = AbandonReport.objects.get(schedule=schedule)
    today = timezone.localdate(now)
    assert (report.date_from, report.date_to) == (
        today - timedelta(days=7),
        today - timedelta(days=1),
    )
    schedule.refresh_from_db()
    assert schedule.next_run_at > now
    assert report_schedules_run(now=now) == 0


@pytest.mark.django_db
def test_admin_shows_abandonment_and_recovery_rates_and_top_products(staff_client):
    """SPEC: AB-6"""
    abandonment(
        date(2026, 3, 1),
        lines=[{"product_id": "PRD-9", "variant_id": "", "quantity": 1, "unit_price": "1.00"}],
        recovered=True,
    )
    for _ in range(3):
        abandonment(
            date(2026, 3, 2),
            lines=[{"product_id": "PRD-7", "variant_id": "", "quantity": 1, "unit_price": "1.00"}],
        )
    response = staff_client.get("/admin/abandonment/abandonment/")
    stats = response.context_data["stats"]
    assert (stats["abandoned"], stats["recovered"], stats["rate"]) == (4, 1, 0.25)
    assert stats["top_products"] == [("PRD-7", 3), ("PRD-9", 1)]
    assert "recovery rate 25%" in response.content.decode()
