"""SH-1: ``manage.py shop_import``: the shop's records from a CSV or JSON Lines file.

One kind per file. Both formats become the same records (``records_read``), so the same
data gives the same tables. The whole file is one transaction: a row that cannot be taken
stops the run with its line number and nothing is written.

Products and variants, the large kinds, stream into staging tables with ``COPY`` and are
written set-based (``catalogue_sql``), deciding exactly as the sync API does
(``sync.sync_decide``: created, updated when anything differs, unchanged when nothing does
or the stored ``updated_at`` is newer); the contract test compares both paths' tables. The
other kinds go through the sync service one record at a time.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from baskets.currencies import amount_fits, shop_currencies
from baskets.models import ItemKind
from baskets.services.actors import Actor

from ..models import ImportRun
from . import catalogue_sql
from .sync import KINDS, REFUSED, ItemRefused, _item_sync

# CSV: a product's or variant's price in a currency is the column ``price_<CODE>``; a
# salesperson's related customers are one column, ERP account IDs separated by "|".
PRICE_PREFIX = "price_"
LIST_SEPARATOR = "|"
LIST_FIELDS = {"related_customers"}
COPY_CHUNK = 10_000  # rows between progress reports
MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)


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


# --- the catalogue's row check (the records' rules, without a serializer per row) -----------
def _text(record: dict, name: str, *, limit: int, default: str | None = None) -> str:
    value = record.get(name, default)
    if value is None:
        raise ValueError(f"invalid_{name}: {name} is required")
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise ValueError(f"invalid_{name}: {name} must be 1 to {limit} characters")
    return value


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ValueError("invalid_active: active must be true or false")


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise ValueError("invalid_updated_at: updated_at must be an ISO 8601 date-time")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _prices(value: Any, currencies: list[str]) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        raise ValueError("invalid_prices: prices must be an object of currency: amount")
    prices = {}
    for currency, text in value.items():
        if currency not in currencies:
            raise ValueError(
                f"unsupported_currency: {str(currency)[:10]} is not one of the shop's "
                f"currencies ({', '.join(currencies)})"
            )
        try:
            amount = Decimal(str(text))
        except InvalidOperation:
            raise ValueError(f"invalid_prices: {currency} {str(text)[:20]} is no amount") from None
        if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
            raise ValueError(f"invalid_prices: {currency} {str(text)[:20]} is no amount")
        if not amount_fits(amount, currency) or amount.as_tuple().exponent < -2:
            raise ValueError(f"invalid_price: {amount} has more decimals than {currency} has")
        prices[currency] = amount
    return prices


ITEM_KINDS = frozenset(ItemKind.values)
PRODUCT_FIELDS = {"id", "name", "kind", "unit_of_measure_id", "active", "updated_at", "prices"}
VARIANT_FIELDS = {"id", "product_id", "name", "active", "updated_at", "prices"}


def catalogue_row(kind: str, record: dict, currencies: list[str]) -> tuple[tuple, dict]:
    """The staging row and prices of one product or variant record; ``ValueError``
    ("code: message") when it breaks a rule of ``records.ProductRecord`` / ``VariantRecord``."""
    allowed = PRODUCT_FIELDS if kind == "products" else VARIANT_FIELDS
    unknown = sorted(set(record) - allowed)
    if unknown:
        raise ValueError(f"unknown_field: unknown field(s) {', '.join(unknown)[:200]}")
    shop_id = _text(record, "id", limit=40)
    name = _text(record, "name", limit=200)
    active = _boolean(record.get("active", True))
    updated_at = _moment(record.get("updated_at"))
    prices = _prices(record.get("prices", {}), currencies)
    if kind == "products":
        item_kind = record.get("kind", ItemKind.PRODUCT)
        if item_kind not in ITEM_KINDS:
            raise ValueError(f"invalid_kind: kind must be one of {', '.join(ItemKind.values)}")
        unit = _text(record, "unit_of_measure_id", limit=10, default="EA")
        return (shop_id, None, name, item_kind, unit, active, updated_at), prices
    product_id = _text(record, "product_id", limit=40)
    return (shop_id, product_id, name, None, None, active, updated_at), prices


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


COPY_BLOCK = 1000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_line(line: int, row: tuple, prices: dict) -> str:
    # Currency codes are checked ISO codes and amounts plain decimals: no quoting needed.
    arrays = "{" + ",".join(prices) + "}\t{" + ",".join(map(str, prices.values())) + "}"
    return "\t".join([str(line), *map(_copy_value, row), arrays]) + "\n"


def _catalogue_import(path, kind_name, counts: ImportCounts, progress) -> None:
    currencies = shop_currencies()
    with connection.cursor() as cursor:
        cursor.execute(catalogue_sql.STAGING_SQL)
        # One COPY stream: each item with its prices as two arrays, written as COPY's text
        # format here (a third of the time psycopg's per-value adaptation took).
        with cursor.cursor.copy(catalogue_sql.COPY_ITEMS) as copy:
            block: list[str] = []
            for line, record in records_read(path):
                try:
                    row, prices = catalogue_row(kind_name, record, currencies)
                except ValueError as error:
                    raise ImportRefused(line, str(error)) from None
                block.append(_copy_line(line, row, prices))
                counts.rows += 1
                if len(block) == COPY_BLOCK:
                    copy.write("".join(block))
                    block.clear()
                if progress is not None and counts.rows % COPY_CHUNK == 0:
                    progress(counts.rows)
            copy.write("".join(block))
        cursor.execute(catalogue_sql.DUPLICATE_SQL)
        duplicate = cursor.fetchone()
        if duplicate:
            raise ImportRefused(
                duplicate[2], f"duplicate_id: {duplicate[0]} is also on line {duplicate[1]}"
            )
        if kind_name == "variants":
            cursor.execute(catalogue_sql.UNKNOWN_PRODUCT_SQL)
            unknown = cursor.fetchone()
            if unknown:
                raise ImportRefused(unknown[0], f"unknown_product: no product “{unknown[1]}”")
        for statement in catalogue_sql.apply_sql(kind_name):
            cursor.execute(statement)
        cursor.execute(catalogue_sql.COUNTS_SQL)
        for result, number in cursor.fetchall():
            if result == "older":
                counts.unchanged += number
            else:
                setattr(counts, result, getattr(counts, result) + number)
