"""The set-based catalogue import (SH-1): staging table, checks, decision and writes.

Every statement is built here, with table names from the models' ``_meta.db_table``. The
decision is ``sync.sync_decide`` in SQL: a new id is created; a stored ``shop_updated_at``
newer than the row's is "older" (nothing written, counted unchanged); any difference in
the fields or in the price list is an update (fields, ``shop_updated_at`` and the whole
price list replaced); otherwise unchanged.
"""

from baskets.models import Price, Product, Variant

CATALOGUE_KINDS = ("products", "variants")
# Memory for the import's own transaction: the staging tables (temporary: ``temp_buffers``)
# and the joins and sorts over them (``work_mem``) of a million-row file then stay in memory
# instead of being read and written through the disk on every pass. PostgreSQL allocates
# either only as it is used; both return to the server's defaults when the import ends.
WORK_MEM = "256MB"
TEMP_BUFFERS = "512MB"
WORK_MEM_SQL = "SELECT set_config('work_mem', %s, true)"
# ``temp_buffers`` can change only before the connection first uses a temporary table
# (later, the buffers it has already are used, whatever their size).
TEMP_BUFFERS_SQL = "SELECT set_config('temp_buffers', %s, true)"
PRODUCT = Product._meta.db_table
VARIANT = Variant._meta.db_table
PRICE = Price._meta.db_table

# The checked rows of a file: every row, with ``error`` ("code: message") when it breaks a
# rule; only a file without any error is written.
ITEM_SQL = """
CREATE TEMP TABLE shop_import_item (
    line bigint NOT NULL,
    id text,
    product_id text,
    name text,
    kind text,
    unit_of_measure_id text,
    active boolean,
    shop_updated_at timestamptz,
    currencies text[],
    amounts numeric(12, 2)[],
    error text
) ON COMMIT DROP;
"""
ERRORS_SQL = """
SELECT line, error, count(*) OVER () FROM shop_import_item
WHERE error IS NOT NULL ORDER BY line LIMIT %s
"""
DUPLICATE_SQL = """
SELECT id, min(line), max(line) FROM shop_import_item
GROUP BY id HAVING count(*) > 1 ORDER BY max(line) LIMIT 1
"""
UNKNOWN_PRODUCT_SQL = f"""
SELECT item.line, item.product_id FROM shop_import_item AS item
WHERE NOT EXISTS (SELECT FROM {PRODUCT} AS product WHERE product.id = item.product_id)
ORDER BY item.line LIMIT 1
"""  # noqa: S608 (table names from the models)
COUNTS_SQL = "SELECT result, count(*) FROM shop_import_decision GROUP BY result ORDER BY result"

_STAGED_PRICES = (
    "COALESCE((SELECT array_agg(ROW(staged.currency, staged.amount) ORDER BY staged.currency) "
    "FROM unnest(item.currencies, item.amounts) AS staged(currency, amount)), '{}')"
)


def _stored_prices(condition: str) -> str:
    return (
        "COALESCE((SELECT array_agg(ROW(price.currency, price.amount) "  # noqa: S608
        f"ORDER BY price.currency) FROM {PRICE} AS price WHERE {condition}), '{{}}')"
    )


def _decision_sql(table: str, fields: tuple[str, ...], prices_of: str) -> str:
    # A withdrawn row reads as inactive, so the shop's ``active: true`` undoes it (CB-4).
    stored_fields = ", ".join(
        "(stored.active AND stored.available)" if name == "active" else f"stored.{name}"
        for name in fields
    )
    staged = ", ".join(f"item.{name}" for name in fields)
    return f"""
DROP TABLE IF EXISTS shop_import_decision;
CREATE TEMP TABLE shop_import_decision ON COMMIT DROP AS
SELECT item.id, CASE
    WHEN stored.id IS NULL THEN 'created'
    WHEN item.shop_updated_at < stored.shop_updated_at THEN 'older'
    WHEN ({stored_fields}) IS DISTINCT FROM ({staged})
      OR {_stored_prices(prices_of)} IS DISTINCT FROM {_STAGED_PRICES} THEN 'updated'
    ELSE 'unchanged'
END AS result
FROM shop_import_item AS item LEFT JOIN {table} AS stored ON stored.id = item.id;
CREATE UNIQUE INDEX ON shop_import_decision (id);
ANALYZE shop_import_decision;
"""  # noqa: S608 (table and column names from this module)


def _upsert_sql(table: str, fields: tuple[str, ...]) -> str:
    columns = ("id", *fields, "shop_updated_at")
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns[1:])
    # SH-1: ``active`` off stops new lines only; on, it also ends a withdrawal (CB-4).
    return f"""
INSERT INTO {table} ({", ".join(columns)}, available)
SELECT {", ".join(f"item.{name}" for name in columns)}, true
FROM shop_import_item AS item
JOIN shop_import_decision AS decision
  ON decision.id = item.id AND decision.result IN ('created', 'updated')
ORDER BY item.id
ON CONFLICT (id) DO UPDATE SET {updates}, available = {table}.available OR EXCLUDED.active
"""  # noqa: S608 (table and column names from this module)


def _prices_sql(*, own: str, product: str, variant: str) -> tuple[str, str]:
    """Remove the updated items' prices, then write every written item's price list."""
    delete = f"""
DELETE FROM {PRICE} AS price USING shop_import_decision AS decision
WHERE decision.result = 'updated' AND {own}
"""  # noqa: S608
    insert = f"""
INSERT INTO {PRICE} (product_id, variant_id, currency, amount)
SELECT {product}, {variant}, staged.currency, staged.amount
FROM shop_import_item AS item
JOIN shop_import_decision AS decision
  ON decision.id = item.id AND decision.result IN ('created', 'updated'),
unnest(item.currencies, item.amounts) AS staged(currency, amount)
ORDER BY item.id, staged.currency
"""  # noqa: S608
    return delete, insert


PRODUCT_FIELDS = ("name", "kind", "unit_of_measure_id", "active")
VARIANT_FIELDS = ("product_id", "name", "active")


def apply_sql(kind: str) -> list[str]:
    """The statements that decide and write a staged file of ``kind``, in order."""
    if kind == "products":
        return [
            _decision_sql(
                PRODUCT, PRODUCT_FIELDS, "price.product_id = item.id AND price.variant_id IS NULL"
            ),
            _upsert_sql(PRODUCT, PRODUCT_FIELDS),
            *_prices_sql(
                own="price.product_id = decision.id AND price.variant_id IS NULL",
                product="item.id",
                variant="NULL",
            ),
        ]
    return [
        _decision_sql(VARIANT, VARIANT_FIELDS, "price.variant_id = item.id"),
        _upsert_sql(VARIANT, VARIANT_FIELDS),
        *_prices_sql(
            own="price.variant_id = decision.id", product="item.product_id", variant="item.id"
        ),
    ]
