"""Workload 6: the abandon report (AB-3) written as a spreadsheet: rows/s and peak memory.

The report does not exist yet. When it lands, point ``REPORT_FUNCTION`` at it and adapt
``report_measure`` to its signature (the call is marked below); the workload then runs
it in a fresh process per round (``probe abandon_report``) after the sweep has captured
30% of the baskets, and reports rows per second and peak memory.
"""

import importlib
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from .common import probe_run
from .results import Comparison, Series, WorkloadResult
from .runner import BenchContext, Workload, alternate
from .seed import seed_now

# "module:function" of the product's report writer.
REPORT_FUNCTION = "completion.reports:abandon_report_write"


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


def report_measure(args: dict) -> dict:
    """In the probe process: write the report for the whole seed period, time it."""
    from datetime import datetime

    write = _report_function()
    now = datetime.fromisoformat(args["now"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "abandon-report.xlsx"
        started = time.perf_counter()
        # Adapt to the product's signature when it lands; it must return the row count.
        rows = write(date_from=(now - timedelta(days=200)).date(), date_to=now.date(), path=path)
        seconds = time.perf_counter() - started
        size = path.stat().st_size if path.exists() else 0
    return {"rows": rows, "seconds": seconds, "bytes": size}


def run(context: BenchContext, result: WorkloadResult) -> None:
    from completion.services import abandonment_sweep

    more = True
    while more:
        _count, more = abandonment_sweep(now=seed_now(context.seed))
    answers: list[dict] = []

    def measure() -> float:
        answer = probe_run("abandon_report", {"now": context.seed["now"]})
        answers.append(answer)
        return answer["rows"] / answer["seconds"]

    samples = alternate(context.rounds, {"report": measure})
    peak = max(answer["peak_rss_mb"] for answer in answers)
    result.comparisons.append(
        Comparison(
            case=f"{answers[0]['rows']:,} abandonments",
            metric="rows/s",
            higher_is_better=True,
            product=Series(samples["report"]),
            extra={"peak RSS MB": round(peak, 1), "MB": round(answers[0]["bytes"] / 1e6, 1)},
        )
    )


WORKLOAD = Workload(
    name="abandon_report",
    title="Abandon report",
    run=run,
    unavailable=unavailable,
    description=__doc__,
)
