"""manage.py bench: a CI-sized run checks that every workload runs and reports, never how fast."""

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from benchmarks.database import MARKER
from benchmarks.management.commands import bench
from benchmarks.results import Against, Comparison, Series, Target, ratio_line, ratio_target
from benchmarks.runner import workloads_all
from benchmarks.workload import alternate
from tests.support.processes import ROOT, child_database_url


def _database_url() -> str:
    """The server the tests run on: DATABASE_URL, or on embedded defaults the embedded
    server's URL (the bench measures a server it is given, and the embedded one is one)."""
    return os.environ.get("DATABASE_URL") or child_database_url()


def _bench(*args: str, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "bench", *args],
        cwd=ROOT,
        env=env or {**os.environ, "DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _source_name() -> str:
    return urlsplit(_database_url()).path.lstrip("/")


def _server():
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _exists(name: str) -> bool:
    with _server() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def _numbers(series: dict) -> list[float]:
    return [series["median"], series["min"], series["max"], *series["samples"]]


@pytest.mark.worker  # the time-to-order and time-to-webhook workloads start Celery workers
def test_bench_smoke_run_reports_every_workload(tmp_path):
    # given a small run of every workload in a bench database of its own
    name = f"{_source_name()}_bench_smoke"
    report_path, markdown_path = tmp_path / "bench.json", tmp_path / "bench.md"
    expected_unavailable = {w.name for w in workloads_all() if w.unavailable()}

    # when
    result = _bench(
        "--baskets", "2000", "--rounds", "2", "--poll-seconds", "0.5", "--latency-seconds", "1",
        "--bench-database", name, "--json", str(report_path), "--markdown", str(markdown_path),
    )  # fmt: skip

    # then every available workload ran, and each figure is a positive number
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "2000/2000" in result.stderr  # the seeding progress bar
    report = json.loads(report_path.read_text())
    assert report["baskets"] == 2000 and report["machine"]["cores"] >= 1
    # the server settings that decide how large writes grow with the table are recorded
    machine = report["machine"]
    assert machine["postgresql_shared_buffers"] and machine["postgresql_max_wal_size"]
    statuses = {workload["name"]: workload["status"] for workload in report["workloads"]}
    assert statuses == {
        w.name: "not available" if w.name in expected_unavailable else "ok" for w in workloads_all()
    }
    for workload in report["workloads"]:
        if workload["status"] != "ok":
            assert (
                "does not exist yet" in workload["note"] or "cannot be imported" in workload["note"]
            )
            continue
        assert workload["comparisons"], workload["name"]
        for comparison in workload["comparisons"]:
            assert len(comparison["product"]["samples"]) >= 2
            assert all(value > 0 for value in _numbers(comparison["product"]))
            for other in comparison["against"]:
                assert all(value > 0 for value in _numbers(other))
                assert other["ratio"] > 0
    targets = {w["name"]: w["targets"] for w in report["workloads"] if w["status"] == "ok"}
    for workload_name in {"admin_grid", "export", "sweep", "completion", "polling"} & set(targets):
        assert targets[workload_name], workload_name
    completion = next(w for w in report["workloads"] if w["name"] == "completion")
    if completion["status"] == "ok":
        for comparison in completion["comparisons"]:
            assert comparison["extra"]["duplicates (most in a round)"] == 0
    # ... the markdown table was written, and the bench database is gone
    markdown = markdown_path.read_text()
    assert "| Admin grid | first page |" in markdown and "### Targets" in markdown
    assert f"max_wal_size {machine['postgresql_max_wal_size']})" in markdown
    assert not _exists(name)


def test_bench_lifetimes_deletes_the_stale_baskets_against_a_single_delete(tmp_path):
    """SPEC: PV-4 — the lifetime workload (tiny size here; the target is for 1,000,000 stale
    among 3,000,000) deletes the stale baskets in batches and compares with one DELETE."""
    # given a tiny bench of the lifetime workload, batches smaller than the stale set
    name = f"{_source_name()}_bench_lifetimes"
    report_path, markdown_path = tmp_path / "bench.json", tmp_path / "bench.md"
    env = {**os.environ, "BASKET_LIFETIME_BATCH_SIZE": "50"}

    # when
    result = _bench(
        "--baskets", "600", "--only", "lifetimes", "--rounds", "2",
        "--bench-database", name, "--json", str(report_path), "--markdown", str(markdown_path),
        env=env,
    )  # fmt: skip

    # then both variants deleted the same 30% each round, the job in several batches
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads(report_path.read_text())
    (workload,) = report["workloads"]
    assert (workload["name"], workload["status"]) == ("lifetimes", "ok")
    (comparison,) = workload["comparisons"]
    assert comparison["case"] == "180 stale of 600 baskets"
    assert comparison["extra"] == {"batch size": 50}
    assert len(comparison["product"]["samples"]) == 2
    assert all(value > 0 for value in _numbers(comparison["product"]))
    assert all(value > 0 for value in _numbers(comparison["against"][0]))
    assert result.stdout.count("job: 4 batches") == 2
    (target,) = workload["targets"]
    assert target["text"] == "basket lifetimes >= 0.5x a single DELETE of the same rows"
    assert "| Basket lifetimes |" in markdown_path.read_text()
    assert not _exists(name)


@pytest.mark.worker
def test_bench_time_to_order_and_time_to_webhook_run_end_to_end(tmp_path):
    """SPEC: SC-1 SC-2 — both latency workloads at a tiny size (half a second per rate): every
    payment got its order and every event reached the receiver, each wait reported."""
    # given a tiny seed, shared out between the three cases (50/s, 200/s, webhooks at 50/s)
    name = f"{_source_name()}_bench_latency"
    report_path, markdown_path = tmp_path / "bench.json", tmp_path / "bench.md"

    # when
    result = _bench(
        "--baskets", "300", "--only", "time_to_order", "time_to_webhook", "--rounds", "1",
        "--latency-seconds", "0.5", "--bench-database", name,
        "--json", str(report_path), "--markdown", str(markdown_path),
    )  # fmt: skip

    # then each rate is a case with a wait per payment or event, and its percentiles
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads(report_path.read_text())
    workloads = {workload["name"]: workload for workload in report["workloads"]}
    assert report["command"].endswith("--latency-seconds 0.5 --only time_to_order time_to_webhook")
    rates = {
        workload: [comparison["case"].split(" ", 1)[1] for comparison in found["comparisons"]]
        for workload, found in workloads.items()
    }
    assert rates == {
        "time_to_order": ["payments at 50/s", "payments at 200/s"],
        "time_to_webhook": ["events at 50/s"],
    }, rates
    for workload, found in workloads.items():
        assert found["status"] == "ok", found["note"]
        assert len(found["targets"]) == len(rates[workload])
        for comparison in found["comparisons"]:
            extra = comparison["extra"]
            assert extra["count"] == len(comparison["product"]["samples"]) > 0
            assert extra["p50 ms"] <= extra["p95 ms"] <= extra["p99 ms"]
            assert comparison["metric"] == "ms" and comparison["against"] == []
    markdown = markdown_path.read_text()
    assert "| Time to order | 25 payments at 50/s |" in markdown  # 50/s for half a second
    assert "| Time to webhook | 25 events at 50/s |" in markdown
    assert not _exists(name)


def test_bench_at_several_sizes_reports_how_cost_grows(tmp_path):
    # given two tiny sizes of the export and the sweep, each in a database of its own
    name = f"{_source_name()}_bench_sizes"
    report_path, markdown_path = tmp_path / "bench.json", tmp_path / "bench.md"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "BASKETOPS_DATA_DIR": str(tmp_path / "data"),
    }
    available = {w.name for w in workloads_all() if not w.unavailable()}
    growing = [workload for workload in ("export", "sweep") if workload in available]

    # when
    result = _bench(
        "--sizes", "400,200", "--only", "sweep", "export", "--rounds", "1",
        "--poll-seconds", "0.2", "--bench-database", name,
        "--json", str(report_path), "--markdown", str(markdown_path), env=env,
    )  # fmt: skip

    # then it ran the sizes smallest first, saying how far along it was
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Size 1 of 2: 200 baskets" in result.stdout
    assert "Size 2 of 2: 400 baskets, the main run" in result.stdout
    assert "Done so far: 1 of 2 sizes (200 of 600 baskets)" in result.stdout
    assert "[200 baskets, size 1/2] [export] CSV export ..." in result.stdout
    # ... the JSON is the main run (the largest size here) with every size's full results
    report = json.loads(report_path.read_text())
    assert report["main_size"] == 400 and report["baskets"] == 400
    assert report["command"].startswith("manage.py bench --sizes 200,400")
    assert [run["baskets"] for run in report["sizes"]] == [200, 400]
    for run in report["sizes"]:
        assert run["exit_status"] == 0 and run["report"]["baskets"] == run["baskets"]
        assert {w["name"] for w in run["report"]["workloads"]} == {"export", "sweep"}
    growth = {workload["name"]: workload for workload in report["growth"]["workloads"]}
    assert list(growth) == growing
    export = growth["export"]
    assert export["expect"] == "linear" and export["verdict"]["holds"] is not None
    assert export["rows"][0]["label"] == "export view"
    assert all(value > 0 for value in export["rows"][0]["values"])
    # ... the markdown has the main run's tables, then a growth table per workload
    markdown = markdown_path.read_text()
    assert "| CSV export |" in markdown and "`manage.py bench --sizes 200,400" in markdown
    growth_section = markdown.split("## Cost growth", 1)[1]
    assert "![Cost per request or per row" in growth_section
    assert "](bench-growth.svg)" in growth_section
    assert "### CSV export (expected: linear)" in growth_section
    assert "| figure | unit | 200 | 400 | cost × |" in growth_section
    assert "| export view | rows/s |" in growth_section
    # ... the chart next to it is an SVG with a line per workload
    svg = ET.parse(tmp_path / "bench-growth.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}polyline")) == len(growing)
    # ... each size's own report was kept as it finished, and each database is gone
    assert json.loads((tmp_path / "data" / "bench" / "sizes" / "200.json").read_text())
    assert not _exists(f"{name}_200") and not _exists(f"{name}_400")


def test_bench_sizes_and_baskets_are_one_or_the_other(tmp_path):
    env = {**os.environ, "BASKETOPS_DATA_DIR": str(tmp_path)}

    both = _bench("--sizes", "200,400", "--baskets", "200", env=env, timeout=60)
    one = _bench("--sizes", "200", env=env, timeout=60)

    assert both.returncode != 0 and "not both" in both.stderr
    assert one.returncode != 0 and "at least two" in one.stderr


def test_sizes_are_distinct_basket_counts_smallest_first():
    assert bench._sizes("1000000,100000, 3000000,100000") == [100_000, 1_000_000, 3_000_000]
    with pytest.raises(argparse.ArgumentTypeError):
        bench._sizes("100k,1M")


def test_the_docs_page_is_written_by_a_full_run_only(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    command = bench.Command()
    latest = tmp_path / "bench" / "latest.md"

    def page(main_size=None, baskets=None, only=None):
        options = {"markdown": None, "only": only, "baskets": baskets}
        return command._markdown_path(options, main_size=main_size)

    assert page(baskets=1_000_000) == bench.DOCS_MARKDOWN
    assert page(baskets=20_000) == latest
    assert page(main_size=1_000_000) == bench.DOCS_MARKDOWN
    assert page(main_size=3_000_000) == latest  # --sizes without 1,000,000
    assert page(main_size=1_000_000, only=["export"]) == latest
    assert bench.growth_chart_path(bench.DOCS_MARKDOWN).name == "benchmarks-growth.svg"
    assert bench.growth_chart_path(latest) == tmp_path / "bench" / "latest-growth.svg"


def test_bench_needs_a_database_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(BASKETOPS_DATA_DIR=str(tmp_path), SECRET_KEY="x")

    result = _bench("--baskets", "2000", env=env, timeout=60)

    assert result.returncode != 0
    assert "set DATABASE_URL" in result.stderr


def test_bench_never_drops_a_database_it_did_not_make():
    # given a database with the bench's name that the bench did not make
    name = f"{_source_name()}_bench_foreign"
    with _server() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        # when
        result = _bench("--baskets", "2000", "--bench-database", name, timeout=60)

        # then it is left alone
        assert result.returncode != 0
        assert "was not made by manage.py bench" in result.stderr
        assert _exists(name)
    finally:
        with _server() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    assert MARKER  # the marker is what makes a database the bench's


def test_alternate_rotates_the_order_and_resets_before_each_variant():
    calls: list[str] = []

    samples = alternate(
        3,
        {"a": lambda: calls.append("a") or 1.0, "b": lambda: calls.append("b") or 2.0},
        before=lambda name: calls.append(f"reset {name}"),
    )

    assert samples == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}
    assert calls == [
        "reset a", "a", "reset b", "b",
        "reset b", "b", "reset a", "a",
        "reset a", "a", "reset b", "b",
    ]  # fmt: skip


def test_ratio_is_product_speed_over_limit_speed():
    faster = Against("limit", Series([10.0, 12.0, 11.0]))
    time_comparison = Comparison("page", "ms", False, Series([20.0, 22.0, 21.0]), [faster])
    copy = Against("copy", Series([100.0]))
    rate_comparison = Comparison("export", "rows/s", True, Series([50.0]), [copy])

    assert time_comparison.ratio(faster) == pytest.approx(11 / 21)
    assert rate_comparison.ratio(copy) == pytest.approx(0.5)


def test_a_ratio_target_compares_the_product_with_the_first_or_the_named_comparison():
    tables = Against("tables", Series([2000.0]))
    bare = Against("bare", Series([4000.0]), is_limit=False)
    comparison = Comparison("import", "rows/s", True, Series([1234.0]), [tables, bare])

    first = ratio_target(comparison, text="import >= 0.5x tables", least=0.5)
    named = ratio_target(
        comparison, text="import >= 0.5x bare", least=0.5, against=bare, unit="products/s"
    )
    held_back = ratio_target(comparison, text="t", least=0.5, also=", peak 120 MB", also_met=False)

    assert first == Target("import >= 0.5x tables", "0.62x (1,234 vs 2,000 rows/s)", True)
    assert named == Target("import >= 0.5x bare", "0.31x (1,234 vs 4,000 products/s)", False)
    assert held_back == Target("t", "0.62x (1,234 vs 2,000 rows/s), peak 120 MB", False)


def test_a_ratio_line_gives_both_figures_and_the_ratio():
    comparison = Comparison(
        "sweep", "baskets/s", True, Series([900.0]), [Against("one", Series([1000.0]))]
    )

    assert ratio_line(comparison, "sweep", "one statement") == (
        "  sweep 900 baskets/s, one statement 1,000 baskets/s: 0.90x"
    )
    assert ratio_line(comparison, "status:", "bare", note=" (p99 3.1 ms)") == (
        "  status: 900 baskets/s (p99 3.1 ms), bare 1,000 baskets/s: 0.90x"
    )
    assert ratio_line(
        Comparison("none", "rows/s", True, Series([0.0]), [Against("x", Series([5.0]))]),
        "a",
        "b",
    ) == ("  a 0 rows/s, b 5 rows/s: 0.00x")
