"""Workload 2: the CSV export of every line through the real export view.

Product and limit each run in a fresh process (``probe``), so the peak resident memory
reported is the measurement's own (it includes Django itself, about 60 MB).
"""

from .common import probe_rate
from .results import Against, Comparison, Series, WorkloadResult, ratio_line, ratio_target
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.5
AIM_RATIO = 0.7
TARGET_MB = 100


def run(context: BenchContext, result: WorkloadResult) -> None:
    expected = context.seed["lines_total"]
    answers: dict[str, list[dict]] = {"view": [], "copy": []}

    samples = alternate(
        context.rounds,
        {
            "view": probe_rate("export_view", {}, answers["view"], rows=expected),
            "copy": probe_rate("export_copy", {}, answers["copy"], rows=expected),
        },
    )
    peak = max(answer["peak_rss_mb"] for answer in answers["view"])
    copy_peak = max(answer["peak_rss_mb"] for answer in answers["copy"])
    comparison = Comparison(
        case=f"{expected:,} lines",
        metric="rows/s",
        higher_is_better=True,
        product=Series(samples["view"]),
        against=[Against("COPY (SELECT ...) TO STDOUT WITH CSV", Series(samples["copy"]))],
        extra={
            "peak RSS MB": round(peak, 1),
            "RSS before the request MB": round(answers["view"][0]["baseline_rss_mb"], 1),
            "COPY peak RSS MB": round(copy_peak, 1),
            "MB": round(answers["view"][0]["bytes"] / 1e6, 1),
        },
    )
    result.comparisons.append(comparison)
    result.targets.append(
        ratio_target(
            comparison,
            text=f"CSV export >= {TARGET_RATIO}x COPY (aim {AIM_RATIO}x), "
            f"peak memory <= {TARGET_MB} MB",
            least=TARGET_RATIO,
            also=f", peak {peak:.0f} MB",
            also_met=peak <= TARGET_MB,
        )
    )
    context.log(ratio_line(comparison, "export", "COPY", note=f" (peak {peak:.0f} MB)"))


WORKLOAD = Workload(name="export", title="CSV export", run=run, description=__doc__)
