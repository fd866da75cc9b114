"""Workload 6: the abandon report (AB-3) written as a spreadsheet: rows/s and peak memory.

After the sweep has captured 30% of the baskets (30,000 of them on the reported day, the
rest 30 days earlier), the product's ``abandonment.services.reports.abandon_report_write``
writes the report of that day (one row per abandoned line, plus a summary sheet) for a
real ``AbandonReport`` row, as the background build does. The limit writes the same rows
and summary into the same kind of workbook (XlsxWriter, constant memory) straight from a
server-side cursor, lines unnested and summary counted by SQL. Each runs in a fresh
process per round, so its peak resident memory is its own.
"""

import importlib
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from .common import execute, probe_rate, vacuum
from .results import Against, Comparison, Series, WorkloadResult, ratio_line
from .seed import seed_now
from .workload import BenchContext, Workload, alternate

# "module:function" of the product's report writer: (report, path) -> data rows written.
REPORT_FUNCTION = "abandonment.services.reports:abandon_report_write"
# Abandonments on the reported day; the rest of the sweep's are moved 30 days back, so a
# round takes seconds (XlsxWriter writes some 7,000 rows/s) while the table stays large.
REPORT_BASKETS = 30_000
MOVE_BACK_SQL = """
UPDATE abandonment_abandonment SET captured_at = captured_at - interval '30 days'
WHERE id > (SELECT max(id) FROM (SELECT id FROM abandonment_abandonment ORDER BY id LIMIT %s)
            AS reported)
"""

LIMIT_SQL = """
SELECT a.captured_at, a.last_activity_at, a.basket_guid::text, a.shop_account_email,
       a.total::float8, a.currency, a.recovered_at, coalesce(line->>'product_id', ''),
       coalesce(line->>'variant_id', ''), (line->>'quantity')::int,
       (line->>'unit_price')::float8
FROM abandonment_abandonment AS a
LEFT JOIN LATERAL jsonb_array_elements(a.lines::jsonb) AS line ON true
WHERE a.captured_at >= %s AND a.captured_at < %s
ORDER BY a.captured_at, a.id
"""
# The summary sheet: totals, then the products most often abandoned.
SUMMARY_SQL = """
WITH chosen AS (
    SELECT * FROM abandonment_abandonment WHERE captured_at >= %s AND captured_at < %s
)
(SELECT 'Abandoned baskets', count(*) FROM chosen)
UNION ALL
(SELECT 'Recovered baskets', count(recovered_at) FROM chosen)
UNION ALL
(SELECT line->>'product_id', count(*) FROM chosen,
        jsonb_array_elements(chosen.lines::jsonb) AS line
 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20)
"""


def _report_function():
    module_name, _, function_name = REPORT_FUNCTION.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, function_name, None)


def unavailable() -> str | None:
    if _report_function() is None:
        return f"the abandon report ({REPORT_FUNCTION}) does not exist yet"
    return None


def _days(args: dict) -> tuple[date, date]:
    day = datetime.fromisoformat(args["now"]).date()
    return day - timedelta(days=1), day + timedelta(days=1)


def report_measure(args: dict) -> dict:
    """In a probe process: the product writes the report to a temporary file."""
    from django.utils import timezone

    from abandonment.models import AbandonReport

    write = _report_function()
    date_from, date_to = _days(args)
    report = AbandonReport.objects.create(
        date_from=date_from, date_to=date_to, requested_at=timezone.now()
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "abandon-report.xlsx"
        started = time.perf_counter()
        rows = write(report, path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    report.delete()
    return {"rows": rows, "seconds": seconds, "bytes": size}


def limit_measure(args: dict) -> dict:
    """In a probe process: the same rows into the same kind of workbook, no ORM."""
    import xlsxwriter
    from django.db import connection, transaction

    from abandonment.services.reports import COLUMNS

    date_from, date_to = _days(args)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "abandon-report.xlsx"
        started = time.perf_counter()
        workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "remove_timezone": True,
                "default_date_format": "yyyy-mm-dd hh:mm",
            },
        )
        sheet = workbook.add_worksheet("Abandonments")
        sheet.write_row(0, 0, COLUMNS)
        rows = 0
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor(name="bench_report") as cursor:
                cursor.itersize = 2_000
                cursor.execute(LIMIT_SQL, [date_from, date_to + timedelta(days=1)])
                for values in cursor:
                    rows += 1
                    for column, value in enumerate(values):
                        if value is not None:
                            sheet.write(rows, column, value)
            with connection.cursor() as cursor:
                cursor.execute(SUMMARY_SQL, [date_from, date_to + timedelta(days=1)])
                summary = workbook.add_worksheet("Summary")
                for index, values in enumerate(cursor.fetchall()):
                    summary.write_row(index, 0, values)
        workbook.close()
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    return {"rows": rows, "seconds": seconds, "bytes": size}


def run(context: BenchContext, result: WorkloadResult) -> None:
    from abandonment.services.capture import abandonment_sweep

    from .sweep import _reset as sweep_reset

    sweep_reset()
    more = True
    while more:
        _count, more = abandonment_sweep(now=seed_now(context.seed))
    reported = min(REPORT_BASKETS, context.seed["sweep_expected"])
    execute(MOVE_BACK_SQL, [reported])
    vacuum("abandonment_abandonment")
    answers: dict[str, list[dict]] = {"report": [], "limit": []}

    now = {"now": context.seed["now"]}
    samples = alternate(
        context.rounds,
        {
            "report": probe_rate("abandon_report", now, answers["report"]),
            "limit": probe_rate("abandon_report_limit", now, answers["limit"]),
        },
    )
    sweep_reset()
    rows = {answer["rows"] for answer in answers["report"] + answers["limit"]}
    if len(rows) != 1:
        raise RuntimeError(f"the report and the limit wrote different row counts: {rows}")
    peak = max(answer["peak_rss_mb"] for answer in answers["report"])
    comparison = Comparison(
        case=f"{rows.pop():,} rows: {reported:,} abandonments of the day "
        f"({context.seed['sweep_expected']:,} kept)",
        metric="rows/s",
        higher_is_better=True,
        product=Series(samples["report"]),
        against=[Against("XlsxWriter from a raw cursor", Series(samples["limit"]))],
        extra={
            "peak RSS MB": round(peak, 1),
            "limit peak RSS MB": round(max(a["peak_rss_mb"] for a in answers["limit"]), 1),
            "MB": round(answers["report"][0]["bytes"] / 1e6, 1),
        },
    )
    result.comparisons.append(comparison)
    context.log(
        ratio_line(comparison, "report", "raw-cursor workbook", note=f" (peak {peak:.0f} MB)")
    )


WORKLOAD = Workload(
    name="abandon_report",
    title="Abandon report",
    run=run,
    unavailable=unavailable,
    description=__doc__,
)
