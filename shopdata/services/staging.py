"""SH-1: a catalogue file (products or variants) into checked staging rows, set-based.

The file's bytes go to PostgreSQL as they are, with ``COPY`` (CSV: one text column per
column of the file; JSON Lines: one column holding the line), into a temporary table. One
``INSERT ... SELECT`` then reads every row's values, checks them against the rules of
``records.ProductRecord`` / ``VariantRecord`` and fills ``shop_import_item`` with the typed
values or the row's error. No Python runs per row, and the file is never held in memory.

The casts are tried as they are first (the fast way). Should one value make a cast fail,
the statement runs again with casts that give NULL instead (a subtransaction per value,
several times slower), so every bad row is named with its reason rather than the first
cast error ending the statement.
"""

import csv
import re
from collections.abc import Callable
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import DataError, transaction

from baskets.currencies import MINOR_UNITS, STORED_DIGITS
from baskets.models import ItemKind

from ..records import KEY_LENGTH

RAW = "shop_import_raw"
BLOCK = 1 << 20  # bytes of the file per COPY write
PRICE_PREFIX = "price_"  # CSV: the price in a currency is the column price_<CODE>
MAX_AMOUNT = "9999999999.99"  # DecimalField(max_digits=12, decimal_places=2)
FIELDS = {
    "products": ("id", "name", "kind", "unit_of_measure_id", "active", "updated_at"),
    "variants": ("id", "product_id", "name", "active", "updated_at"),
}
# A currency code as a CSV column names it: checked here, as it is written into the SQL.
_CODE = re.compile(r"[A-Za-z0-9]{1,10}\Z")
_LINE = re.compile(r"\bline (\d+)\b")
# What Python's ``str.strip()`` removes, as a PostgreSQL string (``btrim``'s characters).
_SPACE = r"E' \t\n\r\f\x0b'"
# The shapes an ISO 8601 date-time may have once its digits are removed: without an offset
# (the shop's ``TIME_ZONE`` applies, as Django's ``make_aware``) and with one. PostgreSQL's
# own input takes far more ("now", "1/3/2026"), which a shop's file must not mean.
_LOCAL = ("--", "--T:", "--T::", "--T::.", "-- :", "-- ::", "-- ::.")
_AWARE = tuple(shape + offset for shape in _LOCAL[1:] for offset in ("Z", "+", "-", "+:", "-:"))


class StagingRefused(Exception):
    """The file itself cannot be read (header, encoding, a row's shape): its line."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


# --- the safe casts, for the second run only ----------------------------------------------
SAFE_CASTS_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.shop_import_json(value text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN value::jsonb; EXCEPTION WHEN data_exception THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION pg_temp.shop_import_numbers(value text[]) RETURNS numeric[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN value::numeric[]; EXCEPTION WHEN data_exception THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION pg_temp.shop_import_moment(value text, zone text, aware boolean)
RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF aware THEN RETURN value::timestamptz; END IF;
    RETURN value::timestamp AT TIME ZONE zone;
EXCEPTION WHEN data_exception THEN RETURN NULL;
END $$;
"""


def _json(value: str, safe: bool) -> str:
    return f"pg_temp.shop_import_json({value})" if safe else f"{value}::jsonb"


def _numbers(value: str, safe: bool) -> str:
    return f"pg_temp.shop_import_numbers({value})" if safe else f"{value}::numeric[]"


def _moment(value: str, aware: bool, safe: bool) -> str:
    if safe:
        return f"pg_temp.shop_import_moment({value}, %(zone)s, {str(aware).lower()})"
    return f"{value}::timestamptz" if aware else f"{value}::timestamp AT TIME ZONE %(zone)s"


# --- the file into the raw table -------------------------------------------------------------
def _csv_columns(kind: str, header: list[str]) -> list[tuple[str, str]]:
    """(field or price currency, raw column) per column of the CSV header."""
    fields, seen, unknown = FIELDS[kind], set(), []
    columns = []
    for index, name in enumerate(header):
        if name in seen:
            raise StagingRefused(1, f"invalid_header: the column {name[:40]} is named twice")
        seen.add(name)
        code = name.removeprefix(PRICE_PREFIX)
        if name in fields or (name.startswith(PRICE_PREFIX) and _CODE.match(code)):
            columns.append((name, f"c{index}"))
        else:
            unknown.append(name[:40])
    if unknown:
        raise StagingRefused(1, f"unknown_field: unknown column(s) {', '.join(unknown)[:200]}")
    if "id" not in seen:
        raise StagingRefused(1, "the first line must name the columns, one of them id")
    return columns


def _copy(cursor, handle, statement: str, progress, first_line: int) -> tuple[int, int]:
    """Stream the rest of ``handle`` into ``statement``: (rows copied, lines sent)."""
    lines, last = 0, b"\n"
    try:
        with cursor.cursor.copy(statement) as copy:
            while block := handle.read(BLOCK):
                copy.write(block)
                lines += block.count(b"\n")
                last = block[-1:]
                if progress is not None:
                    progress(lines)
    except psycopg.Error as error:
        context = (error.diag.context or "") if error.diag else ""
        found = _LINE.search(context)
        line = first_line + int(found.group(1)) - 1 if found else first_line
        raise StagingRefused(line, _copy_reason(error)) from None
    return cursor.cursor.rowcount, lines + (last != b"\n")


def _copy_reason(error: psycopg.Error) -> str:
    message = (error.diag.message_primary if error.diag else None) or str(error)
    if "extra data after last expected column" in message:
        return "invalid_row: more values than columns"
    if "missing data for column" in message:
        return "invalid_row: fewer values than columns"
    if "invalid byte sequence" in message:
        return "invalid_row: the file is not UTF-8"
    return f"invalid_row: {message[:200]}"


def _stage_csv(cursor, path: Path, kind: str, progress) -> tuple[str, str]:
    with path.open("rb") as handle:
        try:
            header = next(csv.reader([handle.readline().decode("utf-8-sig")]), [])
        except (UnicodeDecodeError, csv.Error):
            raise StagingRefused(1, "invalid_header: the first line is no CSV header") from None
        columns = _csv_columns(kind, header)
        raw = ", ".join(f"c{index} text" for index in range(len(header)))
        cursor.execute(
            f"DROP TABLE IF EXISTS {RAW}; CREATE TEMP TABLE {RAW} "
            f"(ordinal bigint GENERATED ALWAYS AS IDENTITY, {raw}) ON COMMIT DROP"
        )
        names = ", ".join(f"c{index}" for index in range(len(header)))
        _copy(cursor, handle, f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv)", progress, 2)
    return _csv_source(kind, dict(columns)), _csv_newlines(len(header))


def _stage_jsonl(cursor, path: Path, progress) -> None:
    cursor.execute(
        f"DROP TABLE IF EXISTS {RAW}; CREATE TEMP TABLE {RAW} "
        "(ordinal bigint GENERATED ALWAYS AS IDENTITY, doc text) ON COMMIT DROP"
    )
    # CSV with a delimiter and quote that valid JSON never holds (control characters): each
    # line arrives whole, backslashes and all.
    statement = f"COPY {RAW} (doc) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
    with path.open("rb") as handle:
        rows, lines = _copy(cursor, handle, statement, progress, 1)
    if rows < lines:  # a line "\." ends COPY's data: the rest would be lost
        raise StagingRefused(rows + 1, "not JSON: the line is no JSON object")


# --- each format's values as the same columns ------------------------------------------------
def _csv_source(kind: str, columns: dict[str, str]) -> str:
    def cell(name: str) -> str:
        return f"NULLIF(raw.{columns[name]}, '')" if name in columns else "NULL::text"

    prices = sorted(
        (name.removeprefix(PRICE_PREFIX), column)
        for name, column in columns.items()
        if name.startswith(PRICE_PREFIX)
    )
    codes = ", ".join(f"CASE WHEN raw.{column} <> '' THEN '{code}' END" for code, column in prices)
    amounts = ", ".join(f"NULLIF(raw.{column}, '')" for _code, column in prices)
    values = ", ".join(f"{cell(name)} AS {name}" for name in _SOURCE_FIELDS)
    return f"""
SELECT raw.ordinal + 1 AS line, NULL::text AS problem, {values},
       array_remove(ARRAY[{codes}]::text[], NULL) AS currencies,
       array_remove(ARRAY[{amounts}]::text[], NULL) AS amounts
FROM {RAW} AS raw
"""  # noqa: S608 (raw column names c<N> and checked currency codes)


def _csv_newlines(width: int) -> str:
    """SQL: the line breaks inside the values of rows before ``%(ordinal)s``."""
    breaks = " + ".join(
        f"COALESCE(length(c{index}) - length(replace(c{index}, E'\\n', '')), 0)"
        for index in range(width)
    )
    return f"SELECT COALESCE(sum({breaks}), 0) FROM {RAW} WHERE ordinal < %(ordinal)s"  # noqa: S608


def _jsonl_source(kind: str, safe: bool) -> str:
    allowed = ", ".join(f"'{name}'" for name in (*FIELDS[kind], "prices"))
    texts = ", ".join(
        f"doc ->> '{name}' AS {name}" if name in FIELDS[kind] else f"NULL::text AS {name}"
        for name in _SOURCE_FIELDS
    )
    nested = " OR ".join(
        f"jsonb_typeof(doc -> '{name}') IN ('object', 'array')"
        for name in FIELDS[kind]
        if name != "active"
    )
    return f"""
SELECT line, CASE
    WHEN doc IS NULL THEN 'not JSON: the line is no valid JSON'
    WHEN jsonb_typeof(doc) <> 'object' THEN 'not JSON: each line must be a JSON object'
    WHEN EXISTS (SELECT FROM jsonb_object_keys(doc) AS name WHERE name NOT IN ({allowed}))
    THEN 'unknown_field: unknown field(s) ' || left((
        SELECT string_agg(name, ', ' ORDER BY name) FROM jsonb_object_keys(doc) AS name
        WHERE name NOT IN ({allowed})), 200)
    WHEN {nested} THEN 'invalid_item: a field holds a list or an object where text belongs'
    WHEN jsonb_typeof(doc -> 'active') IN ('object', 'array', 'null')
    THEN 'invalid_active: active must be true or false'
    WHEN doc ? 'prices' AND jsonb_typeof(doc -> 'prices') <> 'object'
    THEN 'invalid_prices: prices must be an object of currency: amount'
END AS problem, {texts},
ARRAY(SELECT price.key FROM jsonb_each_text(prices) AS price ORDER BY price.key) AS currencies,
ARRAY(SELECT price.value FROM jsonb_each_text(prices) AS price ORDER BY price.key) AS amounts
FROM (
    SELECT line, doc, CASE WHEN jsonb_typeof(doc -> 'prices') = 'object'
                          THEN doc -> 'prices' END AS prices
    FROM (
        SELECT ordinal AS line, {_json("doc", safe)} AS doc FROM {RAW}
        WHERE btrim(doc, {_SPACE}) <> '' OFFSET 0
    ) AS parsed
    OFFSET 0
) AS item
"""  # noqa: S608 (field names of this module)


_SOURCE_FIELDS = ("id", "product_id", "name", "kind", "unit_of_measure_id", "active", "updated_at")


# --- the checks ---------------------------------------------------------------------------
def _check_sql(kind: str, source: str, currencies: list[str], safe: bool) -> str:
    shapes_local = ", ".join(f"'{shape}'" for shape in _LOCAL)
    shapes_aware = ", ".join(f"'{shape}'" for shape in _AWARE)
    kinds = ", ".join(f"'{value}'" for value in ItemKind.values)
    whole = [code for code in currencies if MINOR_UNITS.get(code, STORED_DIGITS) == 0]
    fractions = " OR ".join(
        f"COALESCE(numbers[array_position(currencies, '{code}')] "
        f"<> round(numbers[array_position(currencies, '{code}')]), false)"
        for code in whole
    )
    digits = " ".join(
        f"WHEN '{code}' THEN {MINOR_UNITS.get(code, STORED_DIGITS)}" for code in currencies
    )
    if kind == "products":
        own = f"""
    WHEN kind IS NOT NULL AND kind NOT IN ({kinds})
    THEN 'invalid_kind: kind must be one of {", ".join(ItemKind.values)}'
    WHEN unit_of_measure_id = '' OR length(unit_of_measure_id) > 10
    THEN 'invalid_unit_of_measure_id: unit_of_measure_id must be 1 to 10 characters'"""
    else:
        own = f"""
    WHEN product_id IS NULL THEN 'invalid_product_id: product_id is required'
    WHEN product_id = '' OR length(product_id) > {KEY_LENGTH}
    THEN 'invalid_product_id: product_id must be 1 to {KEY_LENGTH} characters'"""
    return f"""
INSERT INTO shop_import_item (line, id, product_id, name, kind, unit_of_measure_id, active,
                              shop_updated_at, currencies, amounts, error)
SELECT line, id, product_id, name, kind, unit_of_measure_id, active, moment, currencies,
       CASE WHEN error IS NULL THEN numbers::numeric(12, 2)[] END, error
FROM (
SELECT *, CASE
    WHEN problem IS NOT NULL THEN problem
    WHEN id IS NULL THEN 'invalid_id: id is required'
    WHEN id = '' OR length(id) > {KEY_LENGTH}
    THEN 'invalid_id: id must be 1 to {KEY_LENGTH} characters'
    WHEN name IS NULL THEN 'invalid_name: name is required'
    WHEN name = '' OR length(name) > 200 THEN 'invalid_name: name must be 1 to 200 characters'
    {own}
    WHEN active IS NULL THEN 'invalid_active: active must be true or false'
    WHEN updated_at IS NOT NULL AND moment IS NULL
    THEN 'invalid_updated_at: updated_at must be an ISO 8601 date-time'
    WHEN NOT currencies <@ %(currencies)s::text[]
    THEN 'unsupported_currency: ' || left((SELECT code FROM unnest(currencies) AS code
        WHERE code <> ALL(%(currencies)s::text[]) LIMIT 1), 10)
        || ' is not one of the shop''s currencies ({", ".join(currencies)})'
    WHEN numbers IS NULL OR NOT 0 <= ALL(numbers) OR NOT {MAX_AMOUNT} >= ALL(numbers)
    THEN 'invalid_prices: each price must be an amount from 0 to {MAX_AMOUNT}'
    WHEN numbers::numeric(12, 2)[] <> numbers {f"OR {fractions}" if fractions else ""}
    THEN 'invalid_price: ' || (SELECT price.amount || ' has more decimals than '
        || price.code || ' has' FROM unnest(currencies, numbers) AS price(code, amount)
        WHERE price.amount <> round(price.amount, CASE price.code {digits} ELSE 2 END)
        LIMIT 1)
END AS error
FROM (
SELECT line, problem, id, product_id, name, currencies, numbers, updated_at,
       CASE WHEN kind_text IS NULL THEN 'product' ELSE kind_text END AS kind,
       CASE WHEN unit_text IS NULL THEN 'EA' ELSE unit_text END AS unit_of_measure_id,
       CASE WHEN active_text IS NULL THEN true ELSE CASE lower(btrim(active_text, {_SPACE}))
            WHEN 'true' THEN true WHEN '1' THEN true WHEN 'yes' THEN true WHEN 'on' THEN true
            WHEN 'false' THEN false WHEN '0' THEN false WHEN 'no' THEN false
            WHEN 'off' THEN false END END AS active,
       CASE WHEN position('-' IN updated_at) <> 5 THEN NULL
            WHEN shape IN ({shapes_local}) THEN {_moment("updated_at", False, safe)}
            WHEN shape IN ({shapes_aware}) THEN {_moment("updated_at", True, safe)}
       END AS moment
FROM (
SELECT line, problem, currencies,
       btrim(id, {_SPACE}) AS id, btrim(product_id, {_SPACE}) AS product_id,
       btrim(name, {_SPACE}) AS name, btrim(kind, {_SPACE}) AS kind_text,
       btrim(unit_of_measure_id, {_SPACE}) AS unit_text, active AS active_text, updated_at,
       translate(updated_at, '0123456789', '') AS shape,
       {_numbers("amounts", safe)} AS numbers
FROM ({source}) AS source
OFFSET 0) AS trimmed
OFFSET 0) AS typed
OFFSET 0) AS checked
"""  # noqa: S608 (constants of this module and checked currency codes)


def catalogue_stage(
    cursor,
    *,
    path: Path,
    kind: str,
    currencies: list[str],
    progress: Callable[[int], None] | None = None,
) -> Callable[[int], int]:
    """Fill ``shop_import_item`` (already created) from ``path``; answers how a row's line
    in ``shop_import_item`` maps to its line in the file (CSV values may hold line breaks)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        source, newlines = _stage_csv(cursor, path, kind, progress)
        sources = (source, source)
    elif suffix in (".jsonl", ".ndjson"):
        _stage_jsonl(cursor, path, progress)
        sources, newlines = (_jsonl_source(kind, False), _jsonl_source(kind, True)), ""
    else:
        raise StagingRefused(0, f"{path.name}: give a .csv or .jsonl file.")
    params = {"currencies": currencies, "zone": settings.TIME_ZONE}
    try:
        with transaction.atomic():
            cursor.execute(_check_sql(kind, sources[0], currencies, safe=False), params)
    except DataError:  # a value no cast takes: the slower run names its row
        cursor.execute(SAFE_CASTS_SQL)
        cursor.execute(_check_sql(kind, sources[1], currencies, safe=True), params)

    def file_line(line: int) -> int:
        if not newlines:
            return line
        cursor.execute(newlines, {"ordinal": line - 1})
        return line + cursor.fetchone()[0]

    return file_line
