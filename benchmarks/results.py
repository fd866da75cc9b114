"""What a bench run reports: samples, comparisons with the limit, targets, JSON, markdown.

A *ratio* is always "product speed / limit speed": 1.0 means the product is as fast as
the limit, 0.5 half as fast. For throughputs that is product / limit; for times it is
limit time / product time.
"""

import json
import os
import platform
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import django
from django.db import connection


@dataclass
class Series:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def as_dict(self) -> dict:
        return {
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "samples": self.samples,
        }


@dataclass
class Against:
    """One thing the product is compared with: the limit, or a baseline like stock admin."""

    label: str
    series: Series
    is_limit: bool = True


@dataclass
class Comparison:
    case: str
    metric: str  # "ms", "rows/s", "baskets/s", "req/s"
    higher_is_better: bool
    product: Series
    against: list[Against] = field(default_factory=list)
    # Figures that go with the case but are not compared: queries, peak memory, p99 ...
    extra: dict = field(default_factory=dict)

    def ratio(self, other: Against) -> float | None:
        product, theirs = self.product.median, other.series.median
        if not product or not theirs:
            return None
        return product / theirs if self.higher_is_better else theirs / product

    @property
    def limit(self) -> Against | None:
        return next((other for other in self.against if other.is_limit), None)

    def as_dict(self) -> dict:
        return {
            "case": self.case,
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "product": self.product.as_dict(),
            "against": [
                {
                    "label": other.label,
                    "is_limit": other.is_limit,
                    **other.series.as_dict(),
                    "ratio": self.ratio(other),
                }
                for other in self.against
            ],
            "extra": self.extra,
        }


@dataclass
class Target:
    text: str
    measured: str
    met: bool


def _versus(comparison: Comparison, against: Against | None) -> tuple[Against, float]:
    """What the product is set against (the first compared with, unless named) and the
    ratio to it, 0 where there is none."""
    against = against or comparison.against[0]
    return against, comparison.ratio(against) or 0


def ratio_target(
    comparison: Comparison,
    *,
    text: str,
    least: float,
    against: Against | None = None,
    unit: str = "",
    also: str = "",
    also_met: bool = True,
) -> Target:
    """The target "the product at least ``least`` times as fast as ``against``", measured as
    "0.84x (1,234 vs 1,469 baskets/s)" (``unit`` if not the comparison's metric); ``also``
    is added to what was measured, and ``also_met`` is what else the target needs."""
    against, ratio = _versus(comparison, against)
    return Target(
        text=text,
        measured=f"{ratio:.2f}x ({comparison.product.median:,.0f} vs "
        f"{against.series.median:,.0f} {unit or comparison.metric}){also}",
        met=ratio >= least and also_met,
    )


def ratio_line(
    comparison: Comparison,
    product: str,
    theirs: str,
    *,
    against: Against | None = None,
    note: str = "",
) -> str:
    """A workload's log line for one comparison: "  sweep 1,234 baskets/s, one statement
    1,469 baskets/s: 0.84x" (``note`` follows the product's figure)."""
    against, ratio = _versus(comparison, against)
    metric = comparison.metric
    return (
        f"  {product} {comparison.product.median:,.0f} {metric}{note}, {theirs} "
        f"{against.series.median:,.0f} {metric}: {ratio:.2f}x"
    )


@dataclass
class WorkloadResult:
    name: str
    title: str
    description: str = ""
    status: str = "ok"  # "ok", "not available", "failed"
    note: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "note": self.note,
            "seconds": round(self.seconds, 1),
            "comparisons": [comparison.as_dict() for comparison in self.comparisons],
            "targets": [asdict(target) for target in self.targets],
        }


def machine_describe() -> dict:
    memory_gb = None
    cpu_model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        # How much WAL may pile up between checkpoints: a large write (the sweep, completion)
        # past it forces checkpoints and full-page images, which the growth figures show.
        cursor.execute("SHOW max_wal_size")
        max_wal_size = cursor.fetchone()[0]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": memory_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server_version,
        "postgresql_shared_buffers": shared_buffers,
        "postgresql_max_wal_size": max_wal_size,
    }


def code_describe() -> str:
    """The commit measured, and whether the working tree held uncommitted changes."""
    import subprocess

    from .database import ROOT

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def report_dict(*, meta: dict, workloads: list[WorkloadResult]) -> dict:
    return {**meta, "workloads": [workload.as_dict() for workload in workloads]}


def report_json_write(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


# --- markdown -----------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _spread(series: dict) -> str:
    return f"{_number(series['median'])} ({_number(series['min'])}–{_number(series['max'])})"


def _extra(extra: dict) -> str:
    return ", ".join(
        f"{key} {_number(value) if isinstance(value, float) else value}"
        for key, value in extra.items()
    )


def _cell(text: str, limit: int = 300) -> str:
    """One table cell: a failure's note may hold a whole traceback."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def report_markdown(report: dict) -> str:
    machine = report["machine"]
    # Reports written before the bench recorded it have no max_wal_size.
    wal_size = (
        f", max_wal_size {machine['postgresql_max_wal_size']}"
        if machine.get("postgresql_max_wal_size")
        else ""
    )
    lines = [
        "Each workload runs the product's real code path and, in the same run, the limit for",
        "the same work (what PostgreSQL or a bare server does without the product), alternating",
        "them over several rounds. Figures are median (min–max) over the rounds. **Ratio** is",
        "product speed ÷ limit speed: 1.0 means as fast as the limit, 0.5 half as fast (for",
        "times, limit time ÷ product time). Admin grid rows also compare with Django's stock",
        "ModelAdmin settings, where the ratio is the speed-up over stock.",
        "",
        f"- Run: {report['started_at']} UTC, `{report['command']}`, "
        f"{report['baskets']:,} baskets × {report['lines_per_basket']} lines, "
        f"{report['rounds']} rounds, code {report.get('code', 'unknown')}",
        f"- Seeding: {report['seed_seconds']:.0f} s "
        f"({report['baskets'] / max(report['seed_seconds'], 0.001):,.0f} baskets/s, set-based SQL)",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB RAM, "
        f"{machine['os']}; PostgreSQL {machine['postgresql']} "
        f"(shared_buffers {machine['postgresql_shared_buffers']}"
        f"{wal_size}) on the same machine; "
        f"Python {machine['python']}, Django {machine['django']}",
    ]
    if report.get("note"):
        lines.append(f"- Note: {report['note']}")
    lines += [
        "",
        "| workload | case | product | compared with | theirs | ratio | also measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for workload in report["workloads"]:
        if workload["status"] != "ok":
            note = _cell(workload["note"])
            lines.append(f"| {workload['title']} | {workload['status']} | | | | | {note} |")
            continue
        for comparison in workload["comparisons"]:
            metric = comparison["metric"]
            product = f"{_spread(comparison['product'])} {metric}"
            extra = _extra(comparison["extra"])
            against = comparison["against"] or [None]
            for index, other in enumerate(against):
                lead = f"| {workload['title']} | {comparison['case']} | {product} |"
                if index:
                    lead = "| | | |"
                if other is None:
                    lines.append(f"{lead} | | | {extra} |")
                    continue
                ratio = _number(other["ratio"])
                kind = "limit" if other["is_limit"] else "baseline"
                lines.append(
                    f"{lead} {other['label']} ({kind}) | {_spread(other)} {metric} | "
                    f"{ratio} | {extra if not index else ''} |"
                )
    lines += ["", "### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for workload in report["workloads"]:
        for target in workload["targets"]:
            met = "yes" if target["met"] else "**no**"
            lines.append(f"| {target['text']} | {target['measured']} | {met} |")
        if workload["status"] != "ok":
            lines.append(f"| {workload['title']} | {workload['status']} | - |")
    lines += ["", "### What each workload measures", ""]
    for workload in report["workloads"]:
        description = " ".join(workload["description"].split())
        lines.append(f"- **{workload['title']}** (`--only {workload['name']}`): {description}")
    return "\n".join(lines) + "\n"
