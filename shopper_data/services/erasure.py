"""PV-3: erase one shopper: every registered table in one transaction, then the built
abandon reports (rebuilt) and the mail files not yet sent (scrubbed)."""

import re
from datetime import datetime
from pathlib import Path

from celery import signature
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from abandonment.models import Abandonment, AbandonReport, ReportStatus
from baskets.models import EventType, OutboxEvent
from baskets.services.actors import Actor

from ..models import ShopperErasure
from ..registry import MARKER, REGISTRY, PersonalData
from ..selectors import Shopper, shopper_personal_values

REPORT_BUILD_TASK = "abandonment.tasks.abandon_report_build_task"


def _pattern(values: frozenset[str]) -> re.Pattern | None:
    if not values:
        return None
    # Longest first, so "Ada Lovelace" goes whole before "Ada" could.
    alternatives = sorted(values, key=len, reverse=True)
    return re.compile("|".join(re.escape(value) for value in alternatives), re.IGNORECASE)


def value_scrub(value, pattern: re.Pattern | None):
    """``value`` (text or JSON) with every occurrence of the shopper's values replaced."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(MARKER, value)
    if isinstance(value, dict):
        return {
            value_scrub(key, pattern): value_scrub(item, pattern) for key, item in value.items()
        }
    if isinstance(value, list):
        return [value_scrub(item, pattern) for item in value]
    return value


def _treat(treatment: str, value, row, pattern):
    if treatment == "marker":
        return MARKER if value else value
    if treatment == "blank":
        return ""
    if treatment == "empty":
        return {}
    if treatment == "country":
        country = (value or {}).get("country") if isinstance(value, dict) else None
        return {"country": country} if country else {}
    if treatment == "username":
        return f"erased-{row.pk}"
    return value_scrub(value, pattern)


def _entry_apply(entry: PersonalData, rows: list, pattern) -> int:
    if not rows:
        return 0
    model = type(rows[0])
    if entry.delete:
        model.objects.filter(pk__in=[row.pk for row in rows]).delete()
        return len(rows)
    changed = []
    for row in rows:
        before = {name: getattr(row, name) for name in entry.fields}
        for name, treatment in entry.fields.items():
            setattr(row, name, _treat(treatment, before[name], row, pattern))
        if entry.label == "auth.User":
            row.is_active = False
            row.set_unusable_password()
        changed.append(row)
    fields = list(entry.fields) + (["is_active", "password"] if entry.label == "auth.User" else [])
    model.objects.bulk_update(changed, fields, batch_size=500)
    return len(changed)


def _reports_rebuild(capture_times: list[datetime]) -> int:
    """Built abandon reports that list one of the shopper's abandonments are built again
    (from the erased rows); their old files are removed at once."""
    days = {timezone.localdate(at) for at in capture_times}
    if not days:
        return 0
    reports = [
        report
        for report in AbandonReport.objects.exclude(status=ReportStatus.QUEUED)
        if any(report.date_from <= day <= report.date_to for day in days)
    ]
    for report in reports:
        if report.file:
            report.file.delete(save=False)
        report.status = ReportStatus.QUEUED
        report.started_at = report.finished_at = None
        report.baskets_done = report.rows_written = 0
        report.save(
            update_fields=[
                "file", "status", "started_at", "finished_at", "baskets_done", "rows_written"
            ]
        )  # fmt: skip
        transaction.on_commit(signature(REPORT_BUILD_TASK, args=(report.pk,)).delay)
    return len(reports)


def _mail_files_scrub(pattern) -> int:
    """Mail written to files (the file e-mail backend) and not yet picked up keeps no
    trace of the shopper."""
    if pattern is None or not settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return 0
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return 0
    changed = 0
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        scrubbed = pattern.sub(MARKER, text)
        if scrubbed != text:
            path.write_text(scrubbed)
            changed += 1
    return changed


def shopper_erase(*, shopper: Shopper, actor: Actor, reason: str = "") -> ShopperErasure:
    """PV-3: replace the shopper's personal data in every registered table by ``MARKER``
    (one transaction), record the erasure without it, queue ``shopper.erased`` for the
    webhooks, rebuild the abandon reports that listed them and scrub unsent mail files."""
    values = shopper_personal_values(shopper)
    pattern = _pattern(values)
    now = timezone.now()
    with transaction.atomic():
        # Every entry's rows are found before any is changed (a login's name is how its
        # login-failure logs are found).
        found = [(entry, list(entry.rows(shopper, values))) for entry in REGISTRY]
        capture_times = list(
            Abandonment.objects.filter(pk__in=shopper.abandonment_ids).values_list(
                "captured_at", flat=True
            )
        )
        rows = {
            entry.label: _entry_apply(entry, entry_rows, pattern) for entry, entry_rows in found
        }
        rows["abandonment.AbandonReport (rebuilt)"] = _reports_rebuild(capture_times)
        guids = sorted(str(guid) for guid in shopper.basket_guids)
        erasure = ShopperErasure.objects.create(
            erased_at=now,
            actor_label=actor.label,
            reason=value_scrub(reason, pattern),
            kind=shopper.kind,
            account_reference=shopper.account_reference,
            basket_guids=guids,
            rows={label: count for label, count in rows.items() if count},
        )
        OutboxEvent.objects.create(
            event_type=EventType.SHOPPER_ERASED,
            payload={
                "erasure_id": erasure.pk,
                "identity": shopper.kind,
                "account": shopper.account_reference or None,
                "basket_guids": guids,
            },
            created_at=now,
        )
    mail_files = _mail_files_scrub(pattern)
    if mail_files:
        erasure.rows = {**erasure.rows, "mail files": mail_files}
        erasure.save(update_fields=["rows"])
    return erasure
