"""How cost grows with table size: the "Cost growth" tables, their verdicts, the chart data.

``manage.py bench --sizes`` runs the bench once per size, each in a fresh database; this
module reads those runs' reports (the dicts ``results.report_dict`` makes) and says, per
workload, whether its cost stayed flat or grew linearly with the number of baskets,
computed from the figures:

- *flat* workloads answer one request (an admin grid page, a basket read): the time per
  request should not grow with the table;
- *linear* workloads go through every qualifying row (sweep, export, completion): their
  total time grows with the table, so their rows/s should not fall.

Each figure's *cost ratio* is its cost at the largest size ÷ its cost at the smallest, where
the cost of a time (ms) is the time itself and the cost of a throughput (rows/s, req/s) is
its inverse, the time per row or request: 1.0 means no growth, 2.0 twice the cost. A
workload keeps its expectation when every product figure's ratio is at most ``TOLERANCE``.
The limits (what PostgreSQL or a bare server does for the same work) are shown alongside,
for reference: when they grew too, the machine, not the product, accounts for it.
"""

import re
from dataclasses import dataclass, field

from .results import _number

FLAT, LINEAR = "flat", "linear"
# The workloads run at every size (in the registry's order), and what their cost should do
# as the table grows.
GROWTH_WORKLOADS = {
    "admin_grid": FLAT,
    "export": LINEAR,
    "sweep": LINEAR,
    "completion": LINEAR,
    "polling": FLAT,
}
# A product figure may cost this many times more at the largest size than at the smallest
# and still count as flat (per request) or linear (per row): one round at the small sizes
# and a machine shared with the load client leave that much noise.
TOLERANCE = 1.5
# Status polling: the cases that matter for growth (the others add If-None-Match or drop
# persistent connections; they read the same rows).
POLLING_CASES = ("status", "basket")
# What the product figure of a whole-table workload is called in its table.
PRODUCT_LABELS = {
    "sweep": "abandonment_sweep",
    "export": "export view",
    "completion": "completion_run",
}


@dataclass
class Figure:
    label: str
    unit: str
    higher_is_better: bool
    judged: bool  # a product figure; False for a limit, shown for reference
    value: float


@dataclass
class Row:
    label: str
    unit: str
    higher_is_better: bool
    judged: bool
    values: list[float | None] = field(default_factory=list)  # one per size

    def costs(self) -> list[float | None]:
        """Each size's cost relative to the smallest size with a figure (which is 1.0)."""
        base = next((value for value in self.values if value), None)
        if base is None:
            return [None for _ in self.values]
        return [
            None if not value else (base / value if self.higher_is_better else value / base)
            for value in self.values
        ]

    def cost_ratio(self) -> float | None:
        """Cost at the largest size with a figure ÷ cost at the smallest; None under two."""
        costs = [cost for cost in self.costs() if cost is not None]
        return costs[-1] if len(costs) >= 2 else None

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "unit": self.unit,
            "higher_is_better": self.higher_is_better,
            "judged": self.judged,
            "values": self.values,
            "costs": self.costs(),
            "cost_ratio": self.cost_ratio(),
        }


def _limit_label(other: dict) -> str:
    # A limit's label may carry a figure of its own run, "(p99 17.9)": not part of its name.
    return re.sub(r"\s*\([^()]*\d[^()]*\)$", "", other["label"]) + " (limit)"


def _limit(comparison: dict) -> dict | None:
    return next((other for other in comparison["against"] if other["is_limit"]), None)


def figures(workload: dict) -> list[Figure]:
    """The figures of one workload's result that are followed from size to size."""
    name, comparisons = workload["name"], workload["comparisons"]
    product: list[Figure] = []
    limits: dict[str, Figure] = {}

    def limit_of(comparison: dict, prefix: str = "") -> None:
        other = _limit(comparison)
        if other is not None:
            label = prefix + _limit_label(other)
            limits.setdefault(
                label,
                Figure(
                    label,
                    comparison["metric"],
                    comparison["higher_is_better"],
                    False,
                    other["median"],
                ),
            )

    for comparison in comparisons:
        case, median = comparison["case"], comparison["product"]["median"]
        unit, higher = comparison["metric"], comparison["higher_is_better"]
        if name == "admin_grid":
            # Each page has its own raw SQL: the limit is per case.
            product.append(Figure(case, unit, higher, True, median))
            limit_of(comparison, prefix=f"{case}: ")
        elif name == "polling":
            if case not in POLLING_CASES:
                continue
            product.append(Figure(case, unit, higher, True, median))
            p99 = comparison["extra"].get("p99 ms")
            if isinstance(p99, int | float):
                product.append(Figure(f"{case}, p99", "ms", False, True, float(p99)))
            limit_of(comparison)
        else:
            # A whole-table workload's case names its counts ("300,000 of 1,000,000
            # baskets qualify"), which change with the size: the row is named by the
            # product, and by what follows the last comma when there are several cases
            # ("100,000 paid baskets, 2 workers").
            label = PRODUCT_LABELS.get(name, "product")
            if len(comparisons) > 1:
                label += ", " + case.rsplit(", ", 1)[-1]
            product.append(Figure(label, unit, higher, True, median))
            limit_of(comparison)
    return product + list(limits.values())


def verdict(
    expect: str,
    ratios: dict[str, float | None],
    *,
    smallest: int,
    largest: int,
    limit_ratio: float | None = None,
    tolerance: float = TOLERANCE,
) -> dict:
    """Whether a workload kept its expectation, from its product figures' cost ratios.

    ``ratios`` maps each product figure to its cost ratio (largest ÷ smallest size).
    Returns ``{"holds": True/False/None, "worst": label, "ratio": float, "text": str}``.
    """
    judged = {label: ratio for label, ratio in ratios.items() if ratio is not None}
    if not judged:
        return {
            "holds": None,
            "worst": None,
            "ratio": None,
            "text": "Not judged: fewer than two sizes have figures.",
        }
    worst, ratio = max(judged.items(), key=lambda item: item[1])
    holds = ratio <= tolerance
    sizes = f"{largest:,} baskets as at {smallest:,}"
    if expect == FLAT:
        if holds:
            text = (
                f"**Stayed flat**: no figure cost more than {tolerance:g}x as much per request "
                f"at {sizes} (the most: {worst}, {ratio:.2f}x)."
            )
        else:
            text = (
                f"**Grew with size**: {worst} cost {ratio:.2f}x as much per request at {sizes} "
                f"(flat allows {tolerance:g}x)."
            )
    else:
        if ratio < 1 / tolerance:
            text = (
                f"**Grew less than linearly**: every figure cost less per row at {largest:,} "
                f"baskets than at {smallest:,} (the most: {worst}, {ratio:.2f}x): fixed costs "
                "weigh on the smaller size."
            )
        elif holds:
            text = (
                f"**Grew linearly**: no figure cost more than {tolerance:g}x as much per row at "
                f"{sizes} (the most: {worst}, {ratio:.2f}x), so the total time grows in "
                "proportion to the table."
            )
        else:
            text = (
                f"**Grew faster than linearly**: {worst} cost {ratio:.2f}x as much per row at "
                f"{sizes} (linear allows {tolerance:g}x)."
            )
    if limit_ratio is not None:
        text += f" The limit's cost × over the same sizes: {limit_ratio:.2f}x."
    return {"holds": holds, "worst": worst, "ratio": ratio, "text": text}


def growth_dict(runs: list[dict], *, tolerance: float = TOLERANCE) -> dict:
    """The growth of every growth workload over the runs, one run per size.

    Each run is ``{"baskets": N, "report": <report dict> or None, ...}`` (``None`` when
    that size's run ended before writing its report).
    """
    runs = sorted(runs, key=lambda run: run["baskets"])
    sizes = [run["baskets"] for run in runs]
    names: list[str] = []
    titles: dict[str, str] = {}
    for run in runs:
        for workload in (run["report"] or {}).get("workloads", []):
            if workload["name"] in GROWTH_WORKLOADS and workload["name"] not in names:
                names.append(workload["name"])
                titles[workload["name"]] = workload["title"]
    order = list(GROWTH_WORKLOADS)
    names.sort(key=order.index)
    workloads = []
    for name in names:
        rows: dict[str, Row] = {}
        notes = []
        for index, run in enumerate(runs):
            report = run["report"]
            workload = next(
                (w for w in (report or {}).get("workloads", []) if w["name"] == name), None
            )
            if report is None:
                notes.append(f"{sizes[index]:,} baskets: the run ended without a report.")
                continue
            if workload is None:
                continue
            if workload["status"] != "ok":
                notes.append(
                    f"{sizes[index]:,} baskets: {workload['status']} "
                    f"({' '.join(workload['note'].split())[:200]})."
                )
                continue
            for figure in figures(workload):
                row = rows.get(figure.label)
                if row is None:
                    row = rows[figure.label] = Row(
                        figure.label,
                        figure.unit,
                        figure.higher_is_better,
                        figure.judged,
                        [None] * len(runs),
                    )
                row.values[index] = figure.value
        ordered = [row for row in rows.values() if row.judged] + [
            row for row in rows.values() if not row.judged
        ]
        measured = [
            size
            for index, size in enumerate(sizes)
            if any(row.values[index] is not None for row in ordered)
        ]
        limit_ratios = [
            row.cost_ratio() for row in ordered if not row.judged and row.cost_ratio() is not None
        ]
        result = verdict(
            GROWTH_WORKLOADS[name],
            {row.label: row.cost_ratio() for row in ordered if row.judged},
            smallest=measured[0] if measured else sizes[0],
            largest=measured[-1] if measured else sizes[-1],
            limit_ratio=max(limit_ratios) if limit_ratios else None,
            tolerance=tolerance,
        )
        workloads.append(
            {
                "name": name,
                "title": titles[name],
                "expect": GROWTH_WORKLOADS[name],
                "verdict": result,
                "rows": [row.as_dict() for row in ordered],
                "notes": notes,
            }
        )
    return {"sizes": sizes, "tolerance": tolerance, "workloads": workloads}


# --- markdown ------------------------------------------------------------------------------


def _ratio_cell(row: dict, tolerance: float) -> str:
    ratio = row["cost_ratio"]
    if ratio is None:
        return "-"
    if not row["judged"]:
        return f"{ratio:.2f}x (limit)"
    return f"{ratio:.2f}x" if ratio <= tolerance else f"**{ratio:.2f}x**"


def growth_markdown(growth: dict, *, runs: list[dict], image: str | None = None) -> str:
    """The "Cost growth" section: how the runs were made, the chart, one table per workload.

    ``runs`` are the runs as ``growth_dict`` got them, with ``rounds``, ``workloads`` (the
    names run), ``seconds`` (wall time) and ``exit_status`` added by the command.
    """
    sizes, tolerance = growth["sizes"], growth["tolerance"]
    smallest = f"{sizes[0]:,}"
    lines = [
        "## Cost growth",
        "",
        "The same bench at several table sizes, each in a fresh database: how each workload's",
        "cost grows with the number of baskets. A grid page or a basket read should cost the",
        "same whatever the size (**flat**); the sweep, the export and the completion go through",
        "every qualifying row, so their time per row should stay the same and their total time",
        "grow in proportion to the table (**linear**). **Cost ×** is a figure's cost at the",
        "largest size ÷ its cost at the smallest, the cost of a time being the time and the cost",
        "of a throughput the time per row or request (1.00x: no growth). A workload keeps its",
        f"expectation when every product figure's cost × is at most {tolerance:g}x; the limits",
        "(what PostgreSQL or a bare server does for the same work) are shown for reference.",
        "Figures are medians over the rounds of each size.",
        "",
    ]
    if image:
        lines += [
            f"![Cost per request or per row at each size, relative to {smallest} baskets: one "
            f"line per workload]({image})",
            "",
        ]
    lines += [
        "| baskets | workloads | rounds | seeding | whole run | exit status |",
        "|---|---|---|---|---|---|",
    ]
    for run in sorted(runs, key=lambda run: run["baskets"]):
        report = run.get("report") or {}
        seed = report.get("seed_seconds")
        lines.append(
            f"| {run['baskets']:,} | {', '.join(run.get('workloads', []))} | "
            f"{run.get('rounds', '-')} | {'-' if seed is None else f'{seed:,.0f} s'} | "
            f"{duration_text(run.get('seconds', 0))} | {run.get('exit_status', '-')} |"
        )
    header = " | ".join(f"{size:,}" for size in sizes)
    for workload in growth["workloads"]:
        lines += [
            "",
            f"### {workload['title']} (expected: {workload['expect']})",
            "",
            workload["verdict"]["text"],
            "",
            f"| figure | unit | {header} | cost × |",
            "|---|---|" + "---|" * len(sizes) + "---|",
        ]
        for row in workload["rows"]:
            cells = " | ".join(_number(value) for value in row["values"])
            ratio = _ratio_cell(row, tolerance)
            lines.append(f"| {row['label']} | {row['unit']} | {cells} | {ratio} |")
        if workload["notes"]:
            lines.append("")
            lines += [f"- Not measured at {note}" for note in workload["notes"]]
    if not growth["workloads"]:
        lines += ["", "No growth workload reported figures."]
    return "\n".join(lines) + "\n"


def duration_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


# --- the chart's data ---------------------------------------------------------------------


def chart_lines(growth: dict) -> list[dict]:
    """One line per workload: its first product figure's cost at each size (1.0 at the
    smallest), with what each point stands for."""
    lines = []
    for workload in growth["workloads"]:
        row = next((row for row in workload["rows"] if row["judged"]), None)
        if row is None:
            continue
        points = [
            (size, cost, f"{_number(value)} {row['unit']}")
            for size, cost, value in zip(growth["sizes"], row["costs"], row["values"], strict=True)
            if cost is not None
        ]
        if points:
            lines.append(
                {
                    "label": f"{workload['title']}: {row['label']}",
                    "points": points,
                    # The same colour and dash for a workload whichever others ran.
                    "style": list(GROWTH_WORKLOADS).index(workload["name"]),
                }
            )
    return lines
