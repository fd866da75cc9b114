"""Set-based seeding of the bench database: ``INSERT ... SELECT generate_series``.

Every basket's status and data follow from its id, so workloads can name their baskets
with a condition instead of a list of a million ids:

- ``id % 100 < 30``: Active and idle for days: the 30% the abandonment sweep captures;
- ``30 <= id % 100 < 55``: Active, touched minutes ago (never swept);
- ``55 <= id % 100 < 65``: Awaiting Completion (paid): 10%, 100,000 of a million;
- ``65..67`` Locked, ``68..69`` Completion Failed, ``70..99`` Completed with an order,
  order lines, an invoice and course enrolments.

Rows are inserted in chunks of baskets (each chunk one transaction per table), so a
progress bar can follow; nothing is built row by row in Python.
"""

import random
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from baskets.models import (
    Basket,
    CourseEnrolment,
    CustomerAccount,
    Invoice,
    Line,
    Order,
    OrderLine,
    Product,
    ShopAccount,
)
from tooling.bulk import sequences_reset
from tooling.demo import catalogue_ensure

CHUNK = 50_000
SWEEP_COUNT_SQL = "SELECT count(*) FROM baskets_basket WHERE mod(id, 100) < 30"
PAID_COUNT_SQL = "SELECT count(*) FROM baskets_basket WHERE mod(id, 100) BETWEEN 55 AND 64"

# Statuses by id % 100, as (upper bound exclusive, status); see the module docstring.
STATUS_CASE = """CASE
    WHEN mod(g, 100) < 55 THEN 'active'
    WHEN mod(g, 100) < 65 THEN 'awaiting_completion'
    WHEN mod(g, 100) < 68 THEN 'locked'
    WHEN mod(g, 100) < 70 THEN 'completion_failed'
    ELSE 'completed' END"""


def _fill_missing(model: type[models.Model], expressions: dict[str, str], params: list):
    """Every NOT NULL column needs a value in raw SQL (Django defaults are Python-side)."""
    for model_field in model._meta.concrete_fields:
        if model_field.name in expressions or model_field.primary_key:
            continue
        if model_field.null:
            expressions[model_field.name] = "NULL"
            continue
        if not model_field.has_default():
            default = "" if isinstance(model_field, models.CharField | models.TextField) else None
            if default is None:
                raise RuntimeError(f"bench seed: no value for {model._meta.label}.{model_field}")
        else:
            default = model_field.get_default()
        expressions[model_field.name] = "%s"
        params.append(model_field.get_db_prep_save(default, connection))


def parties_seed(baskets: int) -> tuple[int, int]:
    """Customer accounts and one login (shop account) per two customers' worth of baskets."""
    shop_accounts = max(50, baskets // 20)
    customers = max(25, shop_accounts // 2)
    now = timezone.now()
    _insert(
        CustomerAccount,
        {
            "id": "g",
            "erp_account_id": "'C' || lpad(g::text, 8, '0')",
            "name": "'Customer ' || g",
            "email": "'accounts' || g || '@example.com'",
            "purchaser_type": "CASE WHEN mod(g, 3) = 0 THEN 'user' ELSE 'account' END",
            "is_prospect": "mod(g, 10) = 0",
        },
        "FROM generate_series(1, %(customers)s) g",
        {"customers": customers},
    )
    _insert(
        ShopAccount,
        {
            "id": "g",
            "guid": "gen_random_uuid()",
            "name": "'Login ' || g",
            "email": "'login' || g || '@example.com'",
            "customer_account": "1 + mod(g, %(customers)s)",
            "created_at": "%(now)s",
        },
        "FROM generate_series(1, %(shop_accounts)s) g",
        {"customers": customers, "now": now, "shop_accounts": shop_accounts},
    )
    sequences_reset(CustomerAccount, ShopAccount)
    return shop_accounts, customers


def _basket_expressions(shop_accounts: int, customers: int, lines: int):
    after = settings.BASKET_ABANDON_AFTER.total_seconds()
    # Spread creation over 120 days with a multiplicative hash, so statuses interleave.
    created = (
        "%(now)s - make_interval(secs => mod(g::bigint * 2654435761, 10368000) + 86400 "
        f"+ {int(after)})"
    )
    shop = f"1 + mod(g * 31, {shop_accounts})"
    # 30% anonymous (no login), 10% contact (prospect), 60% customer, by the id's tens digit.
    anonymous = "mod(g / 10, 10) < 3"
    # The sum of the basket's lines, priced exactly as _line_expressions() makes them.
    total = (
        "(SELECT sum((%(prices)s::numeric[])[1 + mod(g * 7 + j * 13, %(products)s)] "  # noqa: S608
        "* CASE WHEN (%(kinds)s::text[])[1 + mod(g * 7 + j * 13, %(products)s)] = 'course' "
        "THEN 1 ELSE 1 + mod(g + j, 5) END) FROM generate_series(1, %(lines)s) j)"
    )
    paid = "mod(g, 100) >= 55"
    return {
        "id": "g",
        "guid": "gen_random_uuid()",
        "shop_account": f"CASE WHEN {anonymous} THEN NULL ELSE {shop} END",
        "customer_account": f"CASE WHEN {anonymous} THEN NULL "
        f"ELSE 1 + mod({shop}, {customers}) END",
        "account_type": f"CASE WHEN {anonymous} THEN 'anonymous' "
        "WHEN mod(g / 10, 10) = 3 THEN 'contact' ELSE 'customer' END",
        "status": STATUS_CASE,
        "stage": f"CASE WHEN mod(g, 100) >= 70 THEN 'confirmation' WHEN {paid} THEN 'payment' "
        "ELSE 'basket' END",
        "booking_id": "'BK' || lpad(g::text, 8, '0')",
        "purchaser_label": f"CASE WHEN {anonymous} THEN '' ELSE 'Customer ' || 1 + mod({shop}, "
        f"{customers}) END",
        "purchaser_id": f"CASE WHEN {anonymous} THEN '' ELSE 'C' || lpad((1 + mod({shop}, "
        f"{customers}))::text, 8, '0') END",
        "billing_object": f"CASE WHEN {anonymous} THEN '' ELSE 'Customer ' || 1 + mod({shop}, "
        f"{customers}) END",
        "purchaser_type": f"CASE WHEN {anonymous} THEN '' ELSE 'account' END",
        # A guest's e-mail from the checkout details: anonymous idle baskets are leads too.
        "email": f"CASE WHEN {anonymous} THEN 'guest' || g || '@example.com' ELSE '' END",
        "total": total,
        "currency": "'EUR'",
        "location": "'EU'",
        "created_at": created,
        "modified_at": created,
        # The sweep's 30% were idle for days; other Active baskets were touched a quarter
        # of the abandonment interval ago at most (before the sweep's fixed "now").
        "last_activity_at": f"CASE WHEN mod(g, 100) < 30 THEN {created} "
        f"ELSE %(now)s - make_interval(secs => mod(g, {max(int(after / 4), 1)})) END",
        "payment_started_at": f"CASE WHEN {paid} THEN {created} END",
        "paid_at": f"CASE WHEN {paid} AND NOT mod(g, 100) BETWEEN 65 AND 67 THEN {created} END",
        "payment_reference": f"CASE WHEN {paid} THEN 'PSP-' || g ELSE '' END",
        "masked_card_number": f"CASE WHEN {paid} THEN '**** **** **** 4242' ELSE '' END",
        "locked_at": f"CASE WHEN mod(g, 100) BETWEEN 65 AND 67 THEN {created} END",
        "lock_reason": "CASE WHEN mod(g, 100) BETWEEN 65 AND 67 "
        "THEN 'The shopper never came back from the payment page.' ELSE '' END",
        "completion_attempts": "CASE WHEN mod(g, 100) >= 70 THEN 1 "
        "WHEN mod(g, 100) >= 68 THEN 3 ELSE 0 END",
        "completed_at": f"CASE WHEN mod(g, 100) >= 70 THEN {created} END",
        "last_error": "CASE WHEN mod(g, 100) BETWEEN 68 AND 69 "
        "THEN 'ERP export hook raised: timeout after 30 s.' ELSE '' END",
    }


def _line_expressions():
    pick = "1 + mod(b.id * 7 + j * 13, %(products)s)"
    return {
        "id": "(b.id - 1) * %(lines)s + j",
        "basket": "b.id",
        "kind": f"(%(kinds)s::text[])[{pick}]",
        "product_id": f"(%(ids)s::text[])[{pick}]",
        "variant_id": "''",
        "quantity": f"CASE WHEN (%(kinds)s::text[])[{pick}] = 'course' THEN 1 "
        "ELSE 1 + mod(b.id + j, 5) END",
        "unit_of_measure_id": f"(%(uoms)s::text[])[{pick}]",
        "unit_price": f"(%(prices)s::numeric[])[{pick}]",
        "booked_user_id": f"CASE WHEN (%(kinds)s::text[])[{pick}] = 'course' "
        "THEN 'U' || lpad(b.id::text, 8, '0') ELSE '' END",
    }


def _execute(statement: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _insert(model, expressions: dict[str, str], source: str, params: dict) -> int:
    """Like ``_insert_select`` with named parameters; missing NOT NULL columns get defaults."""
    expressions = dict(expressions)
    fills: list = []
    _fill_missing(model, expressions, fills)
    named = dict(params)
    for index, value in enumerate(fills):
        named[f"fill{index}"] = value
    counter = iter(range(len(fills)))
    values = [
        expression if expression != "%s" else f"%(fill{next(counter)})s"
        for expression in expressions.values()
    ]
    columns = [connection.ops.quote_name(model._meta.get_field(n).column) for n in expressions]
    table = connection.ops.quote_name(model._meta.db_table)
    return _execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}",  # noqa: S608
        named,
    )


def _chunk_seed(low: int, high: int, params: dict, shop_accounts, customers, lines) -> None:
    chunk = {**params, "low": low, "high": high}
    with transaction.atomic():
        _insert(
            Basket,
            _basket_expressions(shop_accounts, customers, lines),
            "FROM generate_series(%(low)s, %(high)s) g",
            chunk,
        )
        _insert(
            Line,
            _line_expressions(),
            f"FROM baskets_basket b CROSS JOIN generate_series(1, {lines}) j "
            "WHERE b.id BETWEEN %(low)s AND %(high)s",
            chunk,
        )
        completed = (
            "FROM baskets_basket b WHERE b.id BETWEEN %(low)s AND %(high)s "
            "AND b.status = 'completed'"
        )
        _insert(
            Order,
            {
                "id": "b.id",
                "basket": "b.id",
                "number": "'SO' || lpad(b.id::text, 10, '0')",
                "total": "b.total",
                "currency": "b.currency",
                "created_at": "b.completed_at",
            },
            completed,
            chunk,
        )
        _insert(
            Invoice,
            {
                "id": "b.id",
                "order": "b.id",
                "number": "'INV' || lpad(b.id::text, 10, '0')",
                "amount": "b.total",
                "currency": "b.currency",
                "created_at": "b.completed_at",
            },
            completed,
            chunk,
        )
        _insert(
            OrderLine,
            {
                "id": "l.id",
                "order": "l.basket_id",
                "kind": "l.kind",
                "product_id": "l.product_id",
                "variant_id": "l.variant_id",
                "quantity": "l.quantity",
                "unit_of_measure_id": "l.unit_of_measure_id",
                "unit_price": "l.unit_price",
                "booked_user_id": "l.booked_user_id",
            },
            "FROM baskets_line l JOIN baskets_basket b ON b.id = l.basket_id "
            "WHERE b.id BETWEEN %(low)s AND %(high)s AND b.status = 'completed'",
            chunk,
        )
        _insert(
            CourseEnrolment,
            {
                "order": "l.basket_id",
                "order_line": "l.id",
                "course_id": "l.product_id",
                "booked_user_id": "l.booked_user_id",
                "created_at": "b.completed_at",
            },
            "FROM baskets_line l JOIN baskets_basket b ON b.id = l.basket_id "
            "WHERE b.id BETWEEN %(low)s AND %(high)s AND b.status = 'completed' "
            "AND l.kind = 'course'",
            chunk,
        )


def bench_seed(*, baskets: int, lines: int, progress: Callable[[int], None] | None = None) -> dict:
    """Seed ``baskets`` baskets of ``lines`` lines each; returns what workloads need to know."""
    started = time.monotonic()
    now = timezone.now().replace(microsecond=0)
    catalogue_ensure(random.Random(1))  # noqa: S311 - demo catalogue, not security
    # Only available products, so completion never refuses a bench basket.
    products = list(
        Product.objects.filter(
            available=True, prices__variant__isnull=True, prices__currency="EUR"
        )
        .order_by("id")
        .values_list("id", "kind", "prices__amount", "unit_of_measure_id")
    )
    params = {
        "now": now,
        "products": len(products),
        "ids": [p[0] for p in products],
        "kinds": [p[1] for p in products],
        "prices": [p[2] for p in products],
        "uoms": [p[3] for p in products],
        "lines": lines,
    }
    shop_accounts, customers = parties_seed(baskets)
    if progress is not None:
        progress(0)
    for low in range(1, baskets + 1, CHUNK):
        high = min(low + CHUNK - 1, baskets)
        _chunk_seed(low, high, params, shop_accounts, customers, lines)
        if progress is not None:
            progress(high - low + 1)
    sequences_reset(Basket, Line, Order, OrderLine, Invoice, CourseEnrolment)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "now": now.isoformat(),
        "seconds": time.monotonic() - started,
        "shop_accounts": shop_accounts,
        "customers": customers,
        "sweep_expected": _count(SWEEP_COUNT_SQL),
        "paid_expected": _count(PAID_COUNT_SQL),
        "lines_total": _count("SELECT count(*) FROM baskets_line"),
    }


def _count(statement: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def seed_now(seed: dict) -> datetime:
    return datetime.fromisoformat(seed["now"])
