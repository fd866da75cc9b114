"""AB-3 / AB-6: the abandon report, built in the background as a spreadsheet.

Rows stream from the database in chunks into XlsxWriter's constant-memory mode, so memory
stays flat whatever the date range; progress is saved as it goes for the admin to show.
"""

import logging
import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from celery import signature
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from baskets.services.actors import Actor
from baskets.spreadsheets import cell_text

from ..models import Abandonment, AbandonReport, ReportSchedule, ReportStatus
from ..selectors import abandonment_stats

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2_000
# Longest range a report may cover; abandonments are only kept 90 days by default anyway.
MAX_RANGE = timedelta(days=366)
# A report "running" this long lost its worker and may be built again.
STALE_AFTER = timedelta(hours=1)
BUILD_TASK = "abandonment.tasks.abandon_report_build_task"
SCHEDULE_PERIODS = {
    ReportSchedule.Frequency.DAILY: timedelta(days=1),
    ReportSchedule.Frequency.WEEKLY: timedelta(days=7),
    ReportSchedule.Frequency.MONTHLY: timedelta(days=30),
}

COLUMNS = [
    "Captured at",
    "Last activity",
    "Basket ID",
    "Shop account e-mail",
    "Basket total",
    "Currency",
    "Recovered at",
    "Product ID",
    "Variant ID",
    "Quantity",
    "Unit price",
]


class ReportRangeError(ValueError):
    """The From-To range of a report request is not usable."""


def _range(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    return start, end


def abandonments_between(date_from: date, date_to: date):
    start, end = _range(date_from, date_to)
    return Abandonment.objects.filter(captured_at__gte=start, captured_at__lt=end)


def report_range_check(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise ReportRangeError("The From date must not be after the To date.")
    if date_to - date_from > MAX_RANGE:
        raise ReportRangeError("A report covers at most 366 days.")


def abandon_report_request(
    *, actor: Actor, date_from: date, date_to: date, schedule: ReportSchedule | None = None
) -> AbandonReport:
    """Queue a report; the build task starts once this transaction commits."""
    report_range_check(date_from, date_to)
    report = AbandonReport.objects.create(
        date_from=date_from,
        date_to=date_to,
        requested_by=actor.user,
        schedule=schedule,
        requested_at=timezone.now(),
    )
    # Sent by name: the task module imports this one.
    build = signature(BUILD_TASK, args=(report.pk,))
    transaction.on_commit(build.delay)
    return report


def _claim(report_id: int) -> AbandonReport | None:
    now = timezone.now()
    with transaction.atomic():
        report = (
            AbandonReport.objects.select_for_update(skip_locked=True)
            .filter(pk=report_id)
            .filter(
                Q(status=ReportStatus.QUEUED)
                | Q(status=ReportStatus.RUNNING, started_at__lt=now - STALE_AFTER)
            )
            .first()
        )
        if report is None:
            return None
        report.status = ReportStatus.RUNNING
        report.started_at = now
        report.baskets_done = 0
        report.baskets_total = abandonments_between(report.date_from, report.date_to).count()
        report.save(update_fields=["status", "started_at", "baskets_done", "baskets_total"])
    return report


def _naive(value: datetime | None) -> datetime | None:
    """Spreadsheets have no time zones: the local time of the installation."""
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def abandon_report_write(report: AbandonReport, path: Path, *, progress_every: int = 5_000) -> int:
    """Write the spreadsheet for ``report`` to ``path``; returns the data rows written."""
    abandonments = abandonments_between(report.date_from, report.date_to)
    # AC-3: no string becomes a formula or a link, whatever it starts with; cell_text also
    # marks formula-like text for the spreadsheet programs that evaluate it on editing.
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet = workbook.add_worksheet("Abandonments")
    sheet.write_row(0, 0, COLUMNS, bold)
    row = 0
    for done, item in enumerate(
        abandonments.order_by("captured_at", "id")
        .values_list(
            "captured_at",
            "last_activity_at",
            "basket_guid",
            "shop_account_email",
            "total",
            "currency",
            "recovered_at",
            "lines",
        )
        .iterator(chunk_size=CHUNK_ROWS),
        start=1,
    ):
        captured, active, guid, email, total, currency, recovered, lines = item
        for line in lines or [{}]:
            row += 1
            sheet.write_datetime(row, 0, _naive(captured), stamp)
            sheet.write_datetime(row, 1, _naive(active), stamp)
            sheet.write_string(row, 2, str(guid))
            if email:
                sheet.write_string(row, 3, cell_text(email))
            sheet.write_number(row, 4, float(total), money)
            sheet.write_string(row, 5, cell_text(currency))
            if recovered is not None:
                sheet.write_datetime(row, 6, _naive(recovered), stamp)
            sheet.write_string(row, 7, cell_text(line.get("product_id", "")))
            if line.get("variant_id"):
                sheet.write_string(row, 8, cell_text(line["variant_id"]))
            if "quantity" in line:
                sheet.write_number(row, 9, line["quantity"])
                sheet.write_number(row, 10, float(Decimal(line["unit_price"])), money)
        if done % progress_every == 0:
            AbandonReport.objects.filter(pk=report.pk).update(baskets_done=done)
    summary = abandonment_stats(abandonments)
    info = workbook.add_worksheet("Summary")
    rate = summary["rate"]
    info.write_row(0, 0, ["From", report.date_from.strftime("%m/%d/%Y")])
    info.write_row(1, 0, ["To", report.date_to.strftime("%m/%d/%Y")])
    info.write_row(2, 0, ["Abandoned baskets", summary["abandoned"]])
    info.write_row(3, 0, ["Recovered baskets", summary["recovered"]])
    info.write_row(4, 0, ["Recovery rate", rate])
    info.write_row(6, 0, ["Most often abandoned products", "Abandonments"], bold)
    for index, (product_id, count) in enumerate(summary["top_products"], start=7):
        info.write_string(index, 0, cell_text(str(product_id)))
        info.write_number(index, 1, count)
    workbook.close()
    return row


def abandon_report_build(*, report_id: int) -> AbandonReport | None:
    """Build one queued report; None when another worker has it or it is already built."""
    report = _claim(report_id)
    if report is None:
        return None
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"abandon-report-{report.pk}.xlsx"
            rows = abandon_report_write(report, path)
            with path.open("rb") as handle:
                name = (
                    f"abandon-report-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}"
                    f"-{report.pk}.xlsx"
                )
                report.file.save(name, File(handle), save=False)
    except (OSError, xlsxwriter.exceptions.XlsxWriterException) as error:
        logger.warning("abandon report %s failed: %s", report.pk, error)
        AbandonReport.objects.filter(pk=report.pk).update(
            status=ReportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        report.refresh_from_db()
        return report
    AbandonReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.DONE,
        file=report.file.name,
        rows_written=rows,
        baskets_done=report.baskets_total,
        finished_at=timezone.now(),
        error="",
    )
    report.refresh_from_db()
    return report


def report_schedules_run(*, now: datetime | None = None) -> int:
    """Queue a report for every due schedule, covering the period before the run."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        for schedule in ReportSchedule.objects.select_for_update(skip_locked=True).filter(
            active=True, next_run_at__lte=now
        ):
            period = SCHEDULE_PERIODS[schedule.frequency]
            today = timezone.localdate(now)
            abandon_report_request(
                actor=Actor.system("report-schedule"),
                date_from=today - period,
                date_to=today - timedelta(days=1),
                schedule=schedule,
            )
            while schedule.next_run_at <= now:
                schedule.next_run_at += period
            schedule.save(update_fields=["next_run_at"])
            queued += 1
    return queued
