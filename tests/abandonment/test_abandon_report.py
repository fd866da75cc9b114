"""AB-3 / AB-6: the abandon report, generated in the background and picked up in the admin."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from abandonment.models import Abandonment, AbandonReport, ReportSchedule, ReportStatus
from abandonment.services.reports import (
    COLUMNS,
    abandon_report_build,
    abandon_report_request,
    report_schedules_run,
)
from baskets.filters import DATE_INVALID_MESSAGE
from baskets.links import basket_url
from baskets.services.actors import Actor
from tests.support.factories import ProductFactory, UserFactory

REPORTS = "/admin/abandonment/abandonreport/"


def abandonment(day: date, *, lines, recovered=False, email="ada@example.com", hour=10):
    at = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)
    return Abandonment.objects.create(
        basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        shop_account_email=email,
        email=email,
        name="Ada Lovelace",
        payment_address={"name": "Ada Lovelace", "street": "1 Main St", "city": "London",
                         "phone": "+44 20 7946 0000"},
        coupon_codes=["SPRING10"],
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
def test_generate_form_accepts_iso_dates_as_the_grid_does(staff_client):
    """SPEC: AB-3 — YYYY-MM-DD, as the grid's filters take it, is a date here too."""
    response = staff_client.post(
        f"{REPORTS}add/", {"date_from": "2026-03-01", "date_to": "2026-03-31"}, follow=True
    )
    assert response.status_code == 200
    report = AbandonReport.objects.get()
    assert (report.date_from, report.date_to) == (date(2026, 3, 1), date(2026, 3, 31))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_from": "2026-13-01", "date_to": "03/31/2026"}, DATE_INVALID_MESSAGE),
        ({"date_from": "13/45/2026", "date_to": "03/31/2026"}, DATE_INVALID_MESSAGE),
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
    assert str(message) in response.content.decode()
    assert not AbandonReport.objects.exists()


@pytest.mark.django_db
def test_report_spreadsheet_holds_the_range_lines_and_rates(staff_client):
    """SPEC: AB-3 AB-6 — From and To days both included, one row per line."""
    ProductFactory(id="PRD-1", name="Kettle")
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
        hour=23,
    )
    abandonment(
        date(2026, 2, 28),
        lines=[{"product_id": "OUT", "variant_id": "", "quantity": 1, "unit_price": "1.00"}],
        hour=23,
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
    assert rows[0] == tuple(COLUMNS)
    column = {name: index for index, name in enumerate(COLUMNS)}
    picked = ("Product ID", "Product name", "Variant ID", "Quantity", "Name", "E-mail")
    assert [tuple(row[column[name]] for name in picked) for row in rows[1:]] == [
        ("PRD-1", "Kettle", "PRD-1-M", 2, None, None),
        ("CRS-2", None, None, 1, None, None),
        ("PRD-1", "Kettle", None, 1, None, None),
    ], "requested by no one who may see personal data: those columns stay empty"
    assert rows[1][column["Recovery link"]] == basket_url(
        "3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c")
    assert rows[1][column["Coupon"]] == "SPRING10"
    summary = {row[0]: row[1:] for row in workbook["Summary"].iter_rows(values_only=True)
               if row[0]}
    assert summary["Abandoned baskets"][0] == 2
    assert summary["Recovered baskets"][0] == 1
    assert summary["Recovery rate"][0] == 0.5
    assert summary["Recovered revenue"][0] == 30.0
    assert summary["PRD-1"][:2] == ("Kettle", 2)


@pytest.mark.django_db
def test_an_administrators_report_is_a_lead_list_with_contact_details():
    """SPEC: AB-3 AC-1 — name, e-mail, phone and billing address for whoever may see them."""
    rita = UserFactory(username="rita", is_staff=True, is_superuser=True)
    abandonment(date(2026, 3, 1), lines=[
        {"product_id": "PRD-1", "variant_id": "", "quantity": 1, "unit_price": "30.00"}])
    report = abandon_report_request(
        actor=Actor.staff(rita), date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)
    )

    built = abandon_report_build(report_id=report.pk)

    row = next(openpyxl.load_workbook(built.file.open("rb"))["Abandonments"].iter_rows(
        min_row=2, values_only=True))
    values = dict(zip(COLUMNS, row, strict=True))
    assert (values["Name"], values["E-mail"], values["Phone"], values["Billing address"]) == (
        # AC-3: a cell starting with "+" is written neutralised, never read as a formula.
        "Ada Lovelace", "ada@example.com", "'+44 20 7946 0000", "1 Main St, London")
    assert (values["Quantity"], values["Unit price"], values["Basket total"]) == (1, 30.0, 30.0)


@pytest.mark.django_db
def test_download_of_a_report_not_ready_is_a_message(staff_client):
    """SPEC: AB-3"""
    report = abandon_report_request(
        actor=Actor.system("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)
    )
    response = staff_client.get(f"{REPORTS}{report.pk}/download/", follow=True)
    assert any("not ready" in str(m) for m in response.context["messages"])
    assert staff_client.get(f"{REPORTS}99999/download/").status_code == 404


@pytest.mark.parametrize(
    ("frequency", "run_at", "period", "next_run"),
    [
        pytest.param("daily", datetime(2026, 3, 10, 6), (date(2026, 3, 9), date(2026, 3, 9)),
                     datetime(2026, 3, 11, 6), id="daily-the-day-before"),
        pytest.param("weekly", datetime(2026, 3, 10, 6), (date(2026, 3, 3), date(2026, 3, 9)),
                     datetime(2026, 3, 17, 6), id="weekly-the-7-days-before"),
        pytest.param("monthly", datetime(2026, 3, 1, 6), (date(2026, 2, 1), date(2026, 2, 28)),
                     datetime(2026, 4, 1, 6), id="monthly-february-not-30-days"),
        pytest.param("monthly", datetime(2026, 1, 31, 6),
                     (date(2025, 12, 1), date(2025, 12, 31)),
                     datetime(2026, 2, 28, 6), id="monthly-from-the-31st-to-february"),
    ],
)
@pytest.mark.django_db
def test_scheduled_reports_cover_the_period_before_and_run_again_next_period(
    frequency, run_at, period, next_run
):
    """SPEC: AB-3 — daily, weekly and calendar-monthly schedules."""
    run_at = timezone.make_aware(run_at)
    schedule = ReportSchedule.objects.create(name="leads", frequency=frequency, next_run_at=run_at)

    assert report_schedules_run(now=run_at) == 1

    report = AbandonReport.objects.get(schedule=schedule)
    assert (report.date_from, report.date_to) == period
    schedule.refresh_from_db()
    assert schedule.next_run_at == timezone.make_aware(next_run)
    assert report_schedules_run(now=run_at) == 0


@pytest.mark.django_db
def test_a_finished_scheduled_report_is_mailed_to_its_recipients_once(mailoutbox):
    """SPEC: AB-3 — the file attached, to the chosen staff, with the pickup area's link."""
    rita = UserFactory(username="rita", is_staff=True, is_superuser=True)
    otto = UserFactory(username="otto", is_staff=True)
    now = timezone.now()
    schedule = ReportSchedule.objects.create(
        name="Daily leads", frequency="daily", next_run_at=now, created_by=rita
    )
    schedule.recipients.set([rita, otto])
    report_schedules_run(now=now)
    report = AbandonReport.objects.get()

    abandon_report_build(report_id=report.pk)
    report_schedules_run(now=now)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["otto@example.com", "rita@example.com"]
    assert mail.subject == "Abandon report: Daily leads"
    assert "/admin/abandonment/abandonreport/" in mail.body
    [(name, content, kind)] = mail.attachments
    assert name.endswith(".xlsx") and kind.endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(content))["Abandonments"]["A1"].value == "Captured at"
    report.refresh_from_db()
    assert report.requested_by == rita
    assert report.personal_data is False, "otto may not see personal data"


@pytest.mark.django_db
def test_admin_shows_abandonment_and_recovery_rates_and_top_products(staff_client):
    """SPEC: AB-6"""
    ProductFactory(id="PRD-7", name="Toaster")
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
    assert stats["top_products"] == [("PRD-7", "Toaster", 3), ("PRD-9", "", 1)]
    assert "recovery rate 25%" in response.content.decode()
