"""manage.py bench's import workload at a tiny size: it runs and reports (never how fast)."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.support.processes import ROOT


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_the_shop_import_workload_runs_and_compares_with_a_bare_copy(tmp_path):
    """SPEC: SH-1 — shop_import of products in three currencies against COPY of the file,
    and against COPY of the same rows into the tables."""
    name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") + "_bench_import"
    report_path = tmp_path / "bench.json"

    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "bench", "--only", "shop_import",
         "--baskets", "300", "--rounds", "2", "--bench-database", name,
         "--json", str(report_path), "--markdown", str(tmp_path / "bench.md")],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    (workload,) = json.loads(report_path.read_text())["workloads"]
    assert (workload["name"], workload["status"]) == ("shop_import", "ok"), workload
    (comparison,) = workload["comparisons"]
    assert comparison["case"] == "300 products x 3 currencies"
    assert len(comparison["product"]["samples"]) == 2
    assert all(value > 0 for value in comparison["product"]["samples"])
    # The limit: the same rows stored by COPY into the product and price tables; also
    # measured, the bare COPY of the file into a plain table.
    limit, bare = comparison["against"]
    assert "into the product and price tables" in limit["label"] and limit["is_limit"]
    assert "of the same file" in bare["label"] and not bare["is_limit"]
    assert limit["ratio"] > 0 and bare["ratio"] > 0
    assert [target["text"] for target in workload["targets"]] == [
        "shop_import >= 0.5x COPY of the same rows into the product and price tables",
        "shop_import >= 0.5x a bare COPY of the file into a plain table",
    ]
