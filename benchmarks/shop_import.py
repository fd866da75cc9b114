"""Workload 7: ``manage.py shop_import`` of a product file, each product priced in three
currencies (EUR, JPY, USD), as many products as the run has baskets.

The product is ``shopdata.services.imports.shop_import`` on the CSV file (COPY of the file
into the staging table, every row checked, decide and write set-based in one transaction).
The limit, what the database allows for this import: ``COPY`` of the same products and
prices, already in the tables' own shape, straight into the product and price tables in
one transaction (their indexes and foreign-key checks, nothing read, checked or decided).
The import has to store exactly these rows in exactly these tables, so it cannot be faster
than that. Also measured: a bare ``COPY ... FROM STDIN WITH CSV`` of the same file's bytes
into a table with the file's columns, no index and no constraint (one row per product
where the import stores four): what PostgreSQL takes in for the file with no work at all,
a bound no import into the real tables can come near. The imported products are removed
(and the tables vacuumed) before each variant.
"""

import csv
import tempfile
from pathlib import Path

from django.db import connection, transaction

from .common import execute, timed, vacuum
from .results import Against, Comparison, Series, WorkloadResult, ratio_target
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.5
CURRENCIES = ("EUR", "JPY", "USD")
PREFIX = "IMP-"
LIMIT_TABLE = "bench_shop_import_copy"


PRODUCT_COPY = (
    "COPY baskets_product (id, name, kind, unit_of_measure_id, available, active, "
    "shop_updated_at) FROM STDIN"
)
PRICE_COPY = "COPY baskets_price (product_id, currency, amount) FROM STDIN"


def _write_file(path: Path, products: int) -> tuple[Path, Path]:
    """The CSV file, and the same rows in the product and price tables' shape (COPY text)."""
    tables = path.with_suffix(".products.tsv"), path.with_suffix(".prices.tsv")
    with (
        path.open("w", encoding="utf-8", newline="") as handle,
        tables[0].open("w", encoding="utf-8") as product_rows,
        tables[1].open("w", encoding="utf-8") as price_rows,
    ):
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "kind", "unit_of_measure_id", "active", "updated_at",
                         *(f"price_{code}" for code in CURRENCIES)])  # fmt: skip
        for index in range(products):
            cents = 100 + index % 99_900
            key, moment = f"{PREFIX}{index:08d}", "2026-03-01T10:00:00+00:00"
            amounts = (f"{cents // 100}.{cents % 100:02d}", str(cents),
                       f"{cents // 100 + 1}.{cents % 100:02d}")  # fmt: skip
            writer.writerow(
                [key, f"Imported product {index}", "product", "EA", "true", moment, *amounts]
            )
            product_rows.write(f"{key}\tImported product {index}\tproduct\tEA\tt\tt\t{moment}\n")
            for code, amount in zip(CURRENCIES, amounts, strict=True):
                price_rows.write(f"{key}\t{code}\t{amount}\n")
    return tables


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
        tables = _write_file(path, products)

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

        def stored() -> float:
            def copy() -> None:
                with transaction.atomic(), connection.cursor() as cursor:
                    for statement, rows in zip((PRODUCT_COPY, PRICE_COPY), tables, strict=True):
                        with rows.open("rb") as source, cursor.cursor.copy(statement) as target:
                            while block := source.read(1 << 20):
                                target.write(block)

            seconds, _ = timed(copy)
            return products / seconds

        samples = alternate(
            context.rounds,
            {"import": product, "copy": limit, "tables": stored},
            before=lambda _name: _reset(),
        )
    _reset()
    execute(f"DROP TABLE IF EXISTS {LIMIT_TABLE}")
    comparison = Comparison(
        case=f"{products:,} products x {len(CURRENCIES)} currencies",
        metric="rows/s",
        higher_is_better=True,
        product=Series(samples["import"]),
        against=[
            Against(
                "COPY of the same rows into the product and price tables (their indexes and "
                "foreign keys; nothing checked)",
                Series(samples["tables"]),
            ),
            Against(
                "COPY FROM STDIN WITH CSV of the same file into a plain table",
                Series(samples["copy"]),
                is_limit=False,
            ),
        ],
    )
    result.comparisons.append(comparison)
    for against, text in zip(
        comparison.against,
        ("COPY of the same rows into the product and price tables",
         "a bare COPY of the file into a plain table"),
        strict=True,
    ):  # fmt: skip
        result.targets.append(
            ratio_target(
                comparison,
                text=f"shop_import >= {TARGET_RATIO}x {text}",
                least=TARGET_RATIO,
                against=against,
                unit="products/s",
            )
        )
    tables, copy = comparison.against
    context.log(
        f"  shop_import {comparison.product.median:,.0f} products/s; COPY into the tables "
        f"{tables.series.median:,.0f}: {comparison.ratio(tables) or 0:.2f}x; bare COPY of "
        f"the file {copy.series.median:,.0f}: {comparison.ratio(copy) or 0:.2f}x"
    )


WORKLOAD = Workload(name="shop_import", title="Shop data import", run=run, description=__doc__)
