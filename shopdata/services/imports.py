"""SH-1: ``manage.py shop_import``: the shop's records from a CSV or JSON Lines file.

One kind per file. The whole file is one transaction: a row that cannot be taken stops
the run with its line number and nothing is written.

Products and variants, the large kinds, stream as they are into a staging table with
``COPY``, are read and checked there in SQL, both formats into the same checked rows
(``staging``), and are written set-based (``catalogue_sql``), deciding exactly as the sync
API does
(``sync.sync_decide``: created, updated when anything differs, unchanged when nothing does
or the stored ``updated_at`` is newer); the contract test compares both paths' tables. The
other kinds go through the sync service one record at a time (``records_read``: both
formats become the same records).
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from baskets.currencies import shop_currencies
from baskets.services.actors import Actor

from ..models import ImportRun
from . import catalogue_sql, staging
from .sync import KINDS, REFUSED, ItemRefused, _item_sync

# CSV: a product's or variant's price in a currency is the column ``price_<CODE>``; a
# salesperson's related customers are one column, ERP account IDs separated by "|".
PRICE_PREFIX = "price_"
LIST_SEPARATOR = "|"
LIST_FIELDS = {"related_customers"}
COPY_CHUNK = 10_000  # rows between progress reports


class ImportRefused(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


@dataclass
class ImportCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_result: dict[str, int] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------
def records_read(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each row of a ``.csv`` or ``.jsonl`` file, streamed."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv_records(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl_records(path)
    else:
        raise ImportRefused(0, f"{path.name}: give a .csv or .jsonl file.")


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError as error:
                raise ImportRefused(number, f"not JSON: {error}") from None
            if not isinstance(record, dict):
                raise ImportRefused(number, "each line must be a JSON object")
            yield number, record


def _csv_records(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ImportRefused(1, "the first line must name the columns, one of them id")
        for row in reader:
            if None in row:
                raise ImportRefused(reader.line_num, "more values than columns")
            yield reader.line_num, _csv_record(row)


def _csv_record(row: dict[str, str]) -> dict:
    """A CSV row as the JSON record: empty cells are left out (the default applies)."""
    record: dict[str, Any] = {}
    prices = {}
    for column, value in row.items():
        if value is None or value == "":
            continue
        if column.startswith(PRICE_PREFIX):
            prices[column.removeprefix(PRICE_PREFIX)] = value
        elif column in LIST_FIELDS:
            record[column] = [item for item in value.split(LIST_SEPARATOR) if item]
        else:
            record[column] = value
    if prices:
        record["prices"] = prices
    return record


# --- running ---------------------------------------------------------------------------------
def shop_import(
    *,
    path: Path,
    kind_name: str,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """Import ``path`` (one kind) in one transaction; the run is kept as an ``ImportRun``
    (done with its counts, or failed with the refused line: then nothing is written)."""
    if kind_name not in KINDS:
        raise ValueError(f"Unknown kind {kind_name!r}: one of {', '.join(KINDS)}.")
    run = ImportRun.objects.create(kind=kind_name, path=str(path)[:500], started_at=timezone.now())
    counts = ImportCounts()
    try:
        with transaction.atomic():
            if kind_name in catalogue_sql.CATALOGUE_KINDS:
                _catalogue_import(path, kind_name, counts, progress)
            else:
                _records_import(path, kind_name, counts, actor, progress)
    except ImportRefused as refusal:
        run.status, run.refused_line, run.refused_reason = (
            ImportRun.Status.FAILED,
            refusal.line,
            refusal.reason[:2000],
        )
    else:
        run.status = ImportRun.Status.DONE
        run.created, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
    run.rows, run.finished_at = counts.rows, timezone.now()
    run.save()
    return run


def _records_import(path, kind_name, counts: ImportCounts, actor, progress) -> None:
    kind = KINDS[kind_name]
    for line, record in records_read(path):
        shop_id = record.pop("id", None)
        if shop_id is None:
            raise ImportRefused(line, "invalid_id: id is required")
        try:
            result = _item_sync(kind=kind, shop_id=shop_id, data=record)
        except ItemRefused as refusal:  # pragma: no cover - _item_sync answers, never raises
            raise ImportRefused(line, f"{refusal.code}: {refusal.message}") from None
        if result.result == REFUSED:
            raise ImportRefused(line, f"{result.reason}: {result.detail}")
        counts.rows += 1
        setattr(counts, result.result, getattr(counts, result.result) + 1)
        if progress is not None and counts.rows % COPY_CHUNK == 0:
            progress(counts.rows)
    del actor  # the sync of a file requeues nothing: staff requeue from triage (CB-4)


REPORTED_ERRORS = 10  # a refused file names its first bad row and the lines of a few more


def _catalogue_import(path, kind_name, counts: ImportCounts, progress) -> None:
    with connection.cursor() as cursor:
        cursor.execute(catalogue_sql.WORK_MEM_SQL, [catalogue_sql.WORK_MEM])
        try:
            with transaction.atomic():
                cursor.execute(catalogue_sql.TEMP_BUFFERS_SQL, [catalogue_sql.TEMP_BUFFERS])
        except DatabaseError:  # the connection has used temporary tables before: keep its size
            pass
        cursor.execute("DROP TABLE IF EXISTS shop_import_item;" + catalogue_sql.ITEM_SQL)
        try:
            file_line = staging.catalogue_stage(
                cursor, path=path, kind=kind_name, currencies=shop_currencies(), progress=progress
            )
        except staging.StagingRefused as refusal:
            raise ImportRefused(refusal.line, refusal.reason) from None
        cursor.execute("ANALYZE shop_import_item")
        cursor.execute(catalogue_sql.ERRORS_SQL, [REPORTED_ERRORS + 1])
        errors = cursor.fetchall()
        if errors:
            line, reason, total = errors[0]
            if total > 1:
                others = ", ".join(str(file_line(other)) for other, *_ in errors[1:])
                more = ", ..." if total > len(errors) else ""
                reason += f" (and {total - 1} more refused rows, on lines {others}{more})"
            raise ImportRefused(file_line(line), reason)
        cursor.execute(catalogue_sql.DUPLICATE_SQL)
        duplicate = cursor.fetchone()
        if duplicate:
            raise ImportRefused(
                file_line(duplicate[2]),
                f"duplicate_id: {duplicate[0]} is also on line {file_line(duplicate[1])}",
            )
        if kind_name == "variants":
            cursor.execute(catalogue_sql.UNKNOWN_PRODUCT_SQL)
            unknown = cursor.fetchone()
            if unknown:
                raise ImportRefused(
                    file_line(unknown[0]), f"unknown_product: no product “{unknown[1]}”"
                )
        for statement in catalogue_sql.apply_sql(kind_name):
            cursor.execute(statement)
        cursor.execute(catalogue_sql.COUNTS_SQL)
        for result, number in cursor.fetchall():
            counts.rows += number
            if result == "older":
                counts.unchanged += number
            else:
                setattr(counts, result, getattr(counts, result) + number)
