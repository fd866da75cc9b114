"""The cost-growth verdicts, tables and chart of ``manage.py bench --sizes``, on fixed numbers."""

import xml.etree.ElementTree as ET

import pytest

from benchmarks import chart, growth

SVG = "{http://www.w3.org/2000/svg}"


def _comparison(case, metric, product, limit_label, limit, *, higher=True, extra=None):
    return {
        "case": case,
        "metric": metric,
        "higher_is_better": higher,
        "product": {"median": product},
        "against": [
            {"label": limit_label, "is_limit": True, "median": limit},
            {"label": "stock ModelAdmin", "is_limit": False, "median": limit * 50},
        ],
        "extra": extra or {},
    }


def _report(size: int, *, grid_ms: float, export_rps: float, sweep_bps: float, status_rps=250.0):
    """A report shaped as ``results.report_dict`` makes it, with only what growth reads."""
    return {
        "baskets": size,
        "seed_seconds": size / 4000,
        "workloads": [
            {
                "name": "admin_grid",
                "title": "Admin grid",
                "status": "ok",
                "note": "",
                "comparisons": [
                    _comparison(
                        "first page", "ms", grid_ms, "raw SQL of the page", 8.0, higher=False
                    ),
                    _comparison(
                        "GUID search", "ms", 37.0, "raw SQL of the page", 1.3, higher=False
                    ),
                ],
            },
            {
                "name": "export",
                "title": "CSV export",
                "status": "ok",
                "note": "",
                "comparisons": [
                    _comparison(
                        f"{size * 3:,} lines",
                        "rows/s",
                        export_rps,
                        "COPY (SELECT ...) TO STDOUT WITH CSV",
                        200_000.0,
                    ),
                ],
            },
            {
                "name": "sweep",
                "title": "Abandonment sweep",
                "status": "ok",
                "note": "",
                "comparisons": [
                    _comparison(
                        f"{size * 3 // 10:,} of {size:,} baskets qualify",
                        "baskets/s",
                        sweep_bps,
                        "single UPDATE ... WHERE",
                        11_000.0,
                    ),
                ],
            },
            {
                "name": "polling",
                "title": "Status polling (HTTP)",
                "status": "ok",
                "note": "",
                "comparisons": [
                    _comparison(
                        case,
                        "req/s",
                        status_rps,
                        f"bare WSGI app (p99 {size % 7}.5)",
                        700.0,
                        extra={"p99 ms": 37.0, "p50 ms": 13.0},
                    )
                    for case in ("status", "status, If-None-Match", "basket")
                ],
            },
            {
                "name": "abandon_report",
                "title": "Abandon report",
                "status": "ok",
                "note": "",
                "comparisons": [_comparison("rows", "rows/s", 3300.0, "XlsxWriter", 3600.0)],
            },
        ],
    }


@pytest.fixture
def runs():
    # The grid and polling stay flat, the export's rows/s holds (linear), the sweep's rows/s
    # falls fivefold over 30x the baskets (worse than linear).
    figures = {
        100_000: {"grid_ms": 90.0, "export_rps": 160_000.0, "sweep_bps": 4500.0},
        1_000_000: {"grid_ms": 99.0, "export_rps": 163_000.0, "sweep_bps": 2000.0},
        3_000_000: {"grid_ms": 104.0, "export_rps": 150_000.0, "sweep_bps": 900.0},
    }
    return [
        {
            "baskets": size,
            "rounds": 3 if size == 1_000_000 else 1,
            "workloads": ["admin_grid", "export", "sweep", "polling"],
            "seconds": size / 1000,
            "exit_status": 0,
            "report": _report(size, **numbers),
        }
        for size, numbers in figures.items()
    ]


def test_a_time_that_stays_within_the_tolerance_is_flat():
    result = growth.verdict(
        growth.FLAT, {"first page": 1.16, "GUID search": 0.95}, smallest=100_000, largest=3_000_000
    )

    assert result["holds"] is True
    assert result["worst"] == "first page"
    assert result["text"].startswith("**Stayed flat**")
    assert "1.16x" in result["text"] and "3,000,000 baskets as at 100,000" in result["text"]


def test_a_time_that_grows_beyond_the_tolerance_is_not_flat():
    result = growth.verdict(
        growth.FLAT, {"first page": 2.3, "GUID search": 1.0}, smallest=100_000, largest=3_000_000
    )

    assert result["holds"] is False
    assert result["text"].startswith("**Grew with size**: first page cost 2.30x")


def test_rows_per_second_that_hold_are_linear_and_that_fall_are_not():
    linear = growth.verdict(growth.LINEAR, {"export view": 1.07}, smallest=200, largest=400)
    worse = growth.verdict(
        growth.LINEAR, {"abandonment_sweep": 5.0}, smallest=200, largest=400, limit_ratio=1.1
    )

    assert linear["holds"] is True and linear["text"].startswith("**Grew linearly**")
    assert worse["holds"] is False
    assert worse["text"].startswith("**Grew faster than linearly**: abandonment_sweep cost 5.00x")
    assert "The limit's cost × over the same sizes: 1.10x." in worse["text"]


def test_rows_per_second_that_rise_a_lot_are_less_than_linear():
    # fixed costs (a process start) weigh on a small table's rows/s
    result = growth.verdict(growth.LINEAR, {"completion_run, 1 worker": 0.4}, smallest=1, largest=2)

    assert result["holds"] is True
    assert result["text"].startswith("**Grew less than linearly**")


def test_the_tolerance_is_the_boundary():
    at = growth.verdict(growth.FLAT, {"page": 1.5}, smallest=1, largest=2, tolerance=1.5)
    over = growth.verdict(growth.FLAT, {"page": 1.51}, smallest=1, largest=2, tolerance=1.5)

    assert at["holds"] is True and over["holds"] is False


def test_no_verdict_without_two_sizes():
    result = growth.verdict(growth.LINEAR, {"export view": None}, smallest=1, largest=2)

    assert result["holds"] is None and result["text"].startswith("Not judged")


def test_cost_is_the_time_or_the_inverse_of_a_throughput():
    page = growth.Row("page", "ms", False, True, [40.0, None, 60.0])
    export = growth.Row("export", "rows/s", True, True, [1000.0, 800.0, 500.0])
    once = growth.Row("once", "ms", False, True, [None, 10.0, None])

    assert page.costs() == [1.0, None, 1.5] and page.cost_ratio() == 1.5
    assert export.costs() == [1.0, 1.25, 2.0] and export.cost_ratio() == 2.0
    assert once.cost_ratio() is None


def test_growth_follows_each_figure_across_sizes_and_judges_each_workload(runs):
    report = growth.growth_dict(runs)

    assert report["sizes"] == [100_000, 1_000_000, 3_000_000]
    workloads = {workload["name"]: workload for workload in report["workloads"]}
    # in the product's order, the abandon report (not a growth workload) left out
    assert list(workloads) == ["admin_grid", "export", "sweep", "polling"]
    assert workloads["admin_grid"]["verdict"]["holds"] is True
    assert workloads["polling"]["verdict"]["holds"] is True
    assert workloads["export"]["verdict"]["holds"] is True
    assert workloads["sweep"]["verdict"]["holds"] is False
    assert workloads["sweep"]["verdict"]["ratio"] == pytest.approx(5.0)
    # a case naming its counts is still one row; limits come after, for reference only
    sweep_rows = workloads["sweep"]["rows"]
    assert [(row["label"], row["judged"]) for row in sweep_rows] == [
        ("abandonment_sweep", True),
        ("single UPDATE ... WHERE (limit)", False),
    ]
    assert sweep_rows[0]["values"] == [4500.0, 2000.0, 900.0]
    grid_labels = [row["label"] for row in workloads["admin_grid"]["rows"]]
    assert grid_labels == [
        "first page",
        "GUID search",
        "first page: raw SQL of the page (limit)",
        "GUID search: raw SQL of the page (limit)",
    ]
    # polling: the status and basket reads, req/s and p99; the bare server once, whatever
    # p99 its label carried at each size
    polling_labels = [row["label"] for row in workloads["polling"]["rows"]]
    assert polling_labels == [
        "status", "status, p99", "basket", "basket, p99", "bare WSGI app (limit)",
    ]  # fmt: skip
    assert workloads["polling"]["rows"][-1]["values"] == [700.0, 700.0, 700.0]


def test_a_size_without_a_workload_is_a_gap_with_a_note(runs):
    runs[1]["report"]["workloads"][1]["status"] = "failed"
    runs[1]["report"]["workloads"][1]["note"] = "RuntimeError: the export broke"
    runs[2]["report"] = None

    report = growth.growth_dict(runs)

    export = next(w for w in report["workloads"] if w["name"] == "export")
    assert export["rows"][0]["values"] == [160_000.0, None, None]
    assert export["verdict"]["holds"] is None
    assert export["notes"] == [
        "1,000,000 baskets: failed (RuntimeError: the export broke).",
        "3,000,000 baskets: the run ended without a report.",
    ]


def test_the_growth_section_has_a_table_per_workload_and_the_chart(runs):
    report = growth.growth_dict(runs)

    markdown = growth.growth_markdown(report, runs=runs, image="benchmarks-growth.svg")

    assert markdown.startswith("## Cost growth\n")
    assert "![Cost per request or per row" in markdown
    assert "](benchmarks-growth.svg)" in markdown
    assert "| 1,000,000 | admin_grid, export, sweep, polling | 3 | 250 s | 16.7 min | 0 |" in (
        markdown
    )
    assert "### Abandonment sweep (expected: linear)" in markdown
    assert "| figure | unit | 100,000 | 1,000,000 | 3,000,000 | cost × |" in markdown
    assert "| abandonment_sweep | baskets/s | 4,500 | 2,000 | 900 | **5.00x** |" in markdown
    assert "| first page | ms | 90.0 | 99.0 | 104 | 1.16x |" in markdown
    assert "**Grew faster than linearly**" in markdown and "**Stayed flat**" in markdown


def test_the_chart_is_an_svg_with_one_line_per_workload(runs):
    report = growth.growth_dict(runs)
    lines = growth.chart_lines(report)

    root = ET.fromstring(chart.growth_svg(report, lines))

    assert root.tag == f"{SVG}svg" and root.get("width") == "720"
    assert len(root.findall(f".//{SVG}polyline")) == len(lines) == 4
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Admin grid: first page" in texts and "Abandonment sweep: abandonment_sweep" in texts
    assert {"100k", "1M", "3M"} <= set(texts)  # the sizes on the x axis
    assert "baskets in the database (log scale)" in texts
    assert any(text and text.startswith("cost per request or row") for text in texts)
    # the sweep, 5x the cost at 3M, is drawn higher than the grid at 3M
    sweep = next(line for line in lines if line["label"].startswith("Abandonment sweep"))
    assert [round(point[1], 2) for point in sweep["points"]] == [1.0, 2.25, 5.0]


def test_the_chart_places_sizes_on_a_log_scale():
    svg = chart.line_chart_svg(
        [{"label": "a", "points": [(100, 1.0), (1000, 1.0), (10000, 1.0)]}],
        title="t",
        x_label="x",
        y_label="y",
    )

    polyline = ET.fromstring(svg).find(f".//{SVG}polyline")
    xs = [float(pair.split(",")[0]) for pair in polyline.get("points").split()]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.2)
