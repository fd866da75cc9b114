"""Workload 7: ``manage.py shop_import`` of a product file, each product priced in three
currencies (EUR, JPY, USD), as many products as the run has baskets.

The product is ``shopdata.services.imports.shop_import`` on the CSV file (read, check every
row, COPY into the staging table, decide and write set-based in one transaction). The limit
is a bare ``COPY ... FROM STDIN WITH CSV`` of the same file's bytes into a table with the
file's columns: what PostgreSQL takes in for these rows with no work at all. The imported
products are removed (and the tables vacuumed) before each variant.
"""

import csv
import tempfile
from pathlib import Path

from django.db import connection

from .common import execute, timed, vacuum
from .results import Against, Comparison, Series, Target, WorkloadResult
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.5
CURRENCIES = ("EUR", "JPY", "USD")
PREFIX = "IMP-"
LIMIT_TABLE = "bench_shop_import_copy"


def _write_file(path: Path, products: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "unit_of_measure_id", "active", "updated_at",
                         *(f"price_{code}" for code in CURRENCIES)])  # fmt: skip
        for index in range(products):
            cents = 100 + index % 99_900
            writer.writerow(
                [f"{PREFIX}{index:08d}", f"Imported product {index}", "product", "EA", "true",
                 "2026-03-01T10:00:00+00:00", f"{cents // 100}.{cents % 100:02d}",
                 str(cents), f"{cents // 100 + 1}.{cents % 100:02d}"]
            )  # fmt: skip


def _reset() -> None:
    execute("DELETE FROM baskets_price WHERE product_id LIKE %s", [PREFIX + "%"])
    execute("DELETE FROM baskets_product WHERE id LIKE %s", [PREFIX + "%"])
    execute(f"DROP TABLE IF EXISTS {LIMIT_TABLE}")
    execute(
        f"CREATE TABLE {LIMIT_TABLE} (id text, name text, kind text, unit_of_measure_id text, "
        "active boolean, updated_at timestamptz, price_eur numeric(12, 2), "
        "price_jpy numeric(12, 2), price_usd numeric(12, 2))"
    )
    vacuum("baskets_product", "baskets_price")


def run(context: BenchContext, result: WorkloadResult) -> None:
    from baskets.services.actors import Actor
    from baskets.services.business_settings import business_settings_change
    from shopdata.models import ImportRun
    from shopdata.services.imports import shop_import

    products = context.baskets
    business_settings_change(
        changes={"SHOP_CURRENCIES": ", ".join(CURRENCIES)}, actor=Actor.system("bench")
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "products.csv"
        _write_file(path, products)

        def product() -> float:
            seconds, run_ = timed(
                lambda: shop_import(path=path, kind_name="products", actor=Actor.system("bench"))
            )
            if run_.status != ImportRun.Status.DONE or run_.created != products:
                raise RuntimeError(f"import: {run_.status}, {run_.created} of {products}")
            return products / seconds

        def limit() -> float:
            def copy() -> None:
                with connection.cursor() as cursor, path.open("rb") as source:
                    statement = f"COPY {LIMIT_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)"
                    with cursor.cursor.copy(statement) as target:
                        while block := source.read(1 << 20):
                            target.write(block)

            seconds, _ = timed(copy)
            return products / seconds

        samples = alternate(
            context.rounds,
            {"import": product, "copy": limit},
            before=lambda _name: _reset(),
        )
    _reset()
    execute(f"DROP TABLE IF EXISTS {LIMIT_TABLE}")
    comparison = Comparison(
        case=f"{products:,} products x {len(CURRENCIES)} currencies",
        metric="rows/s",
        higher_is_better=True,
        product=Series(samples["import"]),
        against=[Against("COPY FROM STDIN WITH CSV of the same file", Series(samples["copy"]))],
    )
    result.comparisons.append(comparison)
    ratio = comparison.ratio(comparison.against[0]) or 0
    result.targets.append(
        Target(
            text=f"shop_import >= {TARGET_RATIO}x a bare COPY of the same rows",
            measured=f"{ratio:.2f}x ({comparison.product.median:,.0f} vs "
            f"{comparison.against[0].series.median:,.0f} products/s)",
            met=ratio >= TARGET_RATIO,
        )
    )
    context.log(
        f"  shop_import {comparison.product.median:,.0f} products/s, COPY "
        f"{comparison.against[0].series.median:,.0f}: {ratio:.2f}x"
    )


WORKLOAD = Workload(name="shop_import", title="Shop data import", run=run, description=__doc__)
