"""AB-3 / AB-6: the abandon report, built in the background as a spreadsheet.

Rows stream from the database in chunks into XlsxWriter's constant-memory mode, so memory
stays flat whatever the date range; progress is saved as it goes for the admin to show.
"""

import logging
import tempfile
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from celery import signature
from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from basketops.business import business_setting
from basketops.reads import reading_alias
from baskets.access import personal_data_visible
from baskets.currencies import MINOR_UNITS
from baskets.links import basket_url
from baskets.models import Product
from baskets.services.actors import Actor
from baskets.spreadsheets import cell_text

from ..models import AbandonReport, ReportSchedule, ReportStatus
from ..selectors import abandonment_stats, abandonments_between

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2_000
# Longest range a report may cover; abandonments are only kept 90 days by default anyway.
MAX_RANGE = timedelta(days=366)
# A report "running" this long lost its worker and may be built again.
STALE_AFTER = timedelta(hours=1)
BUILD_TASK = "abandonment.tasks.abandon_report_build_task"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# One row per abandoned basket line: a lead list staff can call and mail from (seed 004).
COLUMNS = [
    "Captured at",
    "Name",
    "E-mail",
    "Phone",
    "Billing address",
    "Basket ID",
    "Product ID",
    "Product name",
    "Variant ID",
    "Quantity",
    "Unit price",
    "Coupon",
    "Basket total",
    "Currency",
    "Recovery link",
    "Last activity",
    "Recovered at",
]
# Columns holding shop-account personal data (AC-1), left empty when the report may not.
PERSONAL_COLUMNS = frozenset({"Name", "E-mail", "Phone", "Billing address"})
# Address keys that are not part of the postal address.
NOT_POSTAL = frozenset({"name", "first_name", "last_name", "phone", "telephone", "email"})
POSTAL_ORDER = {
    key: index
    for index, key in enumerate(
        ("company", "street", "address", "address1", "address2", "street2", "postal_code",
         "zip", "postcode", "city", "state", "region", "country")
    )
}
# A finished scheduled report larger than this is mailed as a link to the pickup area.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


class ReportRangeError(ValueError):
    """The From-To range of a report request is not usable."""


def report_range_check(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise ReportRangeError("The From date must not be after the To date.")
    if date_to - date_from > MAX_RANGE:
        raise ReportRangeError("A report covers at most 366 days.")


def abandon_report_request(
    *, actor: Actor, date_from: date, date_to: date, schedule: ReportSchedule | None = None
) -> AbandonReport:
    """Queue a report (personal data only if all its readers may see it); builds on commit."""
    # A scheduled report is requested for the schedule's creator and read by its recipients.
    report_range_check(date_from, date_to)
    requested_by = actor.user if actor.user is not None else getattr(schedule, "created_by", None)
    audience = [requested_by] if requested_by is not None else []
    if schedule is not None:
        audience += list(schedule.recipients.all())
    report = AbandonReport.objects.create(
        date_from=date_from,
        date_to=date_to,
        requested_by=requested_by,
        schedule=schedule,
        requested_at=timezone.now(),
        personal_data=bool(audience) and all(personal_data_visible(user) for user in audience),
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


def _phone(address: dict) -> str:
    return str(address.get("phone") or address.get("telephone") or "")


def _postal(address: dict) -> str:
    """The postal lines in the usual order (JSON objects come back with sorted keys)."""
    keys = sorted(
        (key for key in address if key not in NOT_POSTAL and address[key]),
        key=lambda key: (POSTAL_ORDER.get(key, len(POSTAL_ORDER)), key),
    )
    return ", ".join(str(address[key]) for key in keys)


def _product_names(product_ids: set[str], known: dict[str, str]) -> dict[str, str]:
    """Product names for a chunk, remembered across chunks (one query per chunk at most)."""
    missing = product_ids - known.keys()
    if missing:
        known.update(Product.objects.filter(pk__in=missing).values_list("pk", "name"))
        known.update({product_id: "" for product_id in missing - known.keys()})
    return known


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def abandon_report_write(report: AbandonReport, path: Path, *, progress_every: int = 5_000) -> int:
    """Write the spreadsheet for ``report`` to ``path``; returns the data rows written."""
    # SC-5: the rows are read from the replica while it is recent; progress goes to the primary.
    abandonments = abandonments_between(report.date_from, report.date_to, using=reading_alias())
    # AC-3: no string becomes a formula or a link, whatever it starts with; cell_text also
    # marks formula-like text for the spreadsheet programs that evaluate it on editing.
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    # SH-2: each amount shown with its currency's digits (JPY none, EUR two).
    money_formats = {
        digits: workbook.add_format({"num_format": "#,##0." + "0" * digits if digits else "#,##0"})
        for digits in (0, 1, 2)
    }
    sheet = workbook.add_worksheet("Abandonments")
    sheet.write_row(0, 0, COLUMNS, bold)
    column = {name: index for index, name in enumerate(COLUMNS)}
    personal = report.personal_data
    names: dict[str, str] = {}
    row = done = 0
    rows = (
        abandonments.order_by("captured_at", "id")
        .values_list(
            "captured_at",
            "last_activity_at",
            "basket_guid",
            "name",
            "email",
            "payment_address",
            "coupon_codes",
            "total",
            "currency",
            "recovered_at",
            "lines",
        )
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for chunk in _chunks(rows, CHUNK_ROWS):
        _product_names({line.get("product_id", "") for item in chunk for line in item[-1]}, names)
        for item in chunk:
            captured, active, guid, name, email, address, coupons, total, currency = item[:9]
            recovered, lines = item[9:]
            money = money_formats[min(MINOR_UNITS.get(currency, 2), 2)]
            address = address or {}
            texts = {
                "Basket ID": str(guid),
                "Coupon": ", ".join(coupons or []),
                "Currency": currency,
                "Recovery link": basket_url(guid),
            }
            if personal:
                texts |= {
                    "Name": name,
                    "E-mail": email,
                    "Phone": _phone(address),
                    "Billing address": _postal(address),
                }
            for line in lines or [{}]:
                row += 1
                sheet.write_datetime(row, column["Captured at"], _naive(captured), stamp)
                sheet.write_datetime(row, column["Last activity"], _naive(active), stamp)
                if recovered is not None:
                    sheet.write_datetime(row, column["Recovered at"], _naive(recovered), stamp)
                sheet.write_number(row, column["Basket total"], float(total), money)
                product_id = line.get("product_id", "")
                line_texts = {
                    **texts,
                    "Product ID": product_id,
                    "Product name": names.get(product_id, ""),
                    "Variant ID": line.get("variant_id", ""),
                }
                for header, value in line_texts.items():
                    if value:
                        # Always as text: nothing a shopper typed becomes a formula (AC-3).
                        sheet.write_string(row, column[header], cell_text(value))
                if "quantity" in line:
                    sheet.write_number(row, column["Quantity"], line["quantity"])
                    sheet.write_number(
                        row, column["Unit price"], float(Decimal(line["unit_price"])), money
                    )
            done += 1
            if done % progress_every == 0:
                AbandonReport.objects.filter(pk=report.pk).update(baskets_done=done)
    summary = abandonment_stats(abandonments)
    info = workbook.add_worksheet("Summary")
    info.write_row(0, 0, ["From", report.date_from.strftime("%m/%d/%Y")])
    info.write_row(1, 0, ["To", report.date_to.strftime("%m/%d/%Y")])
    info.write_row(2, 0, ["Abandoned baskets", summary["abandoned"]])
    info.write_row(3, 0, ["Recovered baskets", summary["recovered"]])
    info.write_row(4, 0, ["Recovery rate", summary["rate"]])
    info.write_row(5, 0, ["Recovered revenue", float(summary["recovered_revenue"])])
    info.write_row(7, 0, ["Most often abandoned products", "Product name", "Abandonments"], bold)
    for index, (product_id, name, count) in enumerate(summary["top_products"], start=8):
        info.write_string(index, 0, cell_text(str(product_id)))
        info.write_string(index, 1, cell_text(name))
        info.write_number(index, 2, count)
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
    if report.schedule_id is not None:
        abandon_report_mail(report_id=report.pk)
    return report


def abandon_report_mail(*, report_id: int) -> int:
    """Mail a finished scheduled report (file or pickup link) to its recipients, at most once."""
    now = timezone.now()
    claimed = AbandonReport.objects.filter(
        pk=report_id, status=ReportStatus.DONE, schedule__isnull=False, mailed_at__isnull=True
    ).update(mailed_at=now)
    if not claimed:
        return 0
    report = AbandonReport.objects.select_related("schedule").get(pk=report_id)
    addresses = [
        user.email
        for user in report.schedule.recipients.filter(is_active=True, is_staff=True)
        if user.email
    ]
    if not addresses:
        return 0
    pickup = settings.BACKOFFICE_BASE_URL + reverse("admin:abandonment_abandonreport_changelist")
    attach = report.file.size <= ATTACHMENT_MAX_BYTES
    body = (
        f"The abandon report \"{report.schedule.name}\" for "
        f"{report.date_from:%m/%d/%Y}-{report.date_to:%m/%d/%Y} is ready "
        f"({report.rows_written} rows). "
        + ("It is attached; it" if attach else "It")
        + f" is also in the report pickup area: {pickup}\n"
    )
    message = EmailMessage(
        subject=f"Abandon report: {report.schedule.name}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=addresses,
    )
    if attach:
        with report.file.open("rb") as handle:
            message.attach(Path(report.file.name).name, handle.read(), XLSX_TYPE)
    try:
        message.send()
    except OSError:
        # The mail server refused: give the claim back so the next schedule run retries.
        AbandonReport.objects.filter(pk=report_id, mailed_at=now).update(mailed_at=None)
        logger.exception("abandon report %s not mailed; will retry", report_id)
        return 0
    return len(addresses)


def _month_add(moment: datetime, months: int = 1) -> datetime:
    """The same day and time ``months`` later; the month's last day when it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def schedule_period(frequency: str, today: date) -> tuple[date, date]:
    """The days a scheduled report run on ``today`` covers: the day, the 7 days, or the
    calendar month before."""
    yesterday = today - timedelta(days=1)
    if frequency == ReportSchedule.Frequency.DAILY:
        return yesterday, yesterday
    if frequency == ReportSchedule.Frequency.WEEKLY:
        return today - timedelta(days=7), yesterday
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def schedule_next_run(frequency: str, run_at: datetime) -> datetime:
    if frequency == ReportSchedule.Frequency.MONTHLY:
        return _month_add(run_at)
    days = 1 if frequency == ReportSchedule.Frequency.DAILY else 7
    return run_at + timedelta(days=days)


def schedule_first_run(frequency: str, now: datetime | None = None) -> datetime:
    """A new schedule's first run when staff name none: at DAILY_NOTIFICATION_HOUR (local)
    tomorrow (daily), next Monday (weekly) or on the 1st of next month (monthly), so the
    first report covers a whole period."""
    today = timezone.localdate(now or timezone.now())
    if frequency == ReportSchedule.Frequency.WEEKLY:
        day = today + timedelta(days=7 - today.weekday())
    elif frequency == ReportSchedule.Frequency.MONTHLY:
        day = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        day = today + timedelta(days=1)
    hour = business_setting("DAILY_NOTIFICATION_HOUR")
    return timezone.make_aware(datetime.combine(day, time(hour)))


def report_schedules_run(*, now: datetime | None = None) -> int:
    """Queue each due schedule's report and retry refused report mails; locks due schedules."""
    now = now or timezone.now()
    queued = 0
    with transaction.atomic():
        for schedule in (
            ReportSchedule.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("created_by")
            .filter(active=True, next_run_at__lte=now)
        ):
            date_from, date_to = schedule_period(schedule.frequency, timezone.localdate(now))
            abandon_report_request(
                actor=Actor.system("report-schedule"),
                date_from=date_from,
                date_to=date_to,
                schedule=schedule,
            )
            while schedule.next_run_at <= now:
                schedule.next_run_at = schedule_next_run(schedule.frequency, schedule.next_run_at)
            schedule.save(update_fields=["next_run_at"])
            queued += 1
    for report_id in AbandonReport.objects.filter(
        status=ReportStatus.DONE, schedule__isnull=False, mailed_at__isnull=True
    ).values_list("pk", flat=True):
        abandon_report_mail(report_id=report_id)
    return queued
