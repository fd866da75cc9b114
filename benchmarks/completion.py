"""Workload 4: completing the paid baskets (10% of the seed, 100,000 of a million).

The product is ``manage.py completion_run --until-empty`` in 1, 2 and 4 processes at
once (claims with ``FOR UPDATE SKIP LOCKED``); the time includes starting them. The limit
is one set-based statement: ``UPDATE`` the baskets to Completed and ``INSERT ... SELECT``
their orders, order lines, invoices, enrolments and events. Between variants every row
they made is deleted and the baskets are made Awaiting Completion again (the bench's one
licence to write ``Basket.status`` directly: it is the yardstick, not the product).
"""

import importlib
import subprocess
import sys
import time

from .common import execute, scalar, timed, vacuum
from .database import ROOT
from .results import Against, Comparison, Series, WorkloadResult, ratio_target
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.6
# Every variant is reported; the target is measured on 2 workers.
WORKERS = ("1 worker", "2 workers", "4 workers")
# The paid baskets are those with id % 100 in 55..64 (see seed.py).
RESET_SQL = [
    "DELETE FROM baskets_courseenrolment WHERE order_id IN "
    "(SELECT id FROM baskets_order WHERE mod(basket_id, 100) BETWEEN 55 AND 64)",
    "DELETE FROM baskets_invoice WHERE order_id IN "
    "(SELECT id FROM baskets_order WHERE mod(basket_id, 100) BETWEEN 55 AND 64)",
    "DELETE FROM baskets_orderline WHERE order_id IN "
    "(SELECT id FROM baskets_order WHERE mod(basket_id, 100) BETWEEN 55 AND 64)",
    "DELETE FROM baskets_order WHERE mod(basket_id, 100) BETWEEN 55 AND 64",
    "DELETE FROM baskets_basketevent WHERE mod(basket_id, 100) BETWEEN 55 AND 64",
    "DELETE FROM baskets_outboxevent WHERE mod(basket_id, 100) BETWEEN 55 AND 64",
    "UPDATE baskets_basket SET status = 'awaiting_completion', completed_at = NULL, "
    "completion_attempts = 0, last_attempt_at = NULL, completion_lease_until = NULL, "
    "last_error = '' WHERE mod(id, 100) BETWEEN 55 AND 64",
]
COMPLETED_SQL = (
    "SELECT count(*) FROM baskets_basket "
    "WHERE mod(id, 100) BETWEEN 55 AND 64 AND status = 'completed'"
)
TABLES = [
    "baskets_basket",
    "baskets_order",
    "baskets_orderline",
    "baskets_invoice",
    "baskets_courseenrolment",
    "baskets_basketevent",
    "baskets_outboxevent",
]

# The yardstick: the whole completion of every waiting basket as one statement.
LIMIT_SQL = """
WITH done AS (
    UPDATE baskets_basket SET status = 'completed', completed_at = now(),
        completion_attempts = completion_attempts + 1, last_attempt_at = now()
    WHERE status = 'awaiting_completion'
    RETURNING id, guid, total, currency
), orders AS (
    INSERT INTO baskets_order (basket_id, number, total, currency, created_at,
                               accounts_receivable_note)
    SELECT id, 'SO' || lpad(id::text, 10, '0'), total, currency, now(), '' FROM done
    RETURNING id, basket_id, total, currency
), order_lines AS (
    INSERT INTO baskets_orderline (order_id, kind, product_id, variant_id, quantity,
                                   unit_of_measure_id, unit_price, booked_user_id)
    SELECT orders.id, line.kind, line.product_id, line.variant_id, line.quantity,
           line.unit_of_measure_id, line.unit_price, line.booked_user_id
    FROM orders JOIN baskets_line AS line ON line.basket_id = orders.basket_id
    RETURNING id, order_id, kind, product_id, booked_user_id
), invoices AS (
    INSERT INTO baskets_invoice (order_id, number, amount, currency, created_at)
    SELECT id, 'INV' || lpad(basket_id::text, 10, '0'), total, currency, now() FROM orders
), enrolments AS (
    INSERT INTO baskets_courseenrolment (order_id, order_line_id, course_id, booked_user_id,
                                         created_at)
    SELECT order_id, id, product_id, booked_user_id, now() FROM order_lines
    WHERE kind = 'course'
), events AS (
    INSERT INTO baskets_basketevent (basket_id, basket_guid, action, from_status, to_status,
                                     actor_label, reason, payload, created_at)
    SELECT id, guid, 'complete', 'awaiting_completion', 'completed', 'system:completion',
           '', '{}'::jsonb, now() FROM done
)
SELECT count(*) FROM done
"""

# Anything made twice for one basket: orders and invoices (unique keys make these 0 or an
# error), completion events, order lines beyond the basket's lines, enrolments per line.
DUPLICATES_SQL = """
WITH paid_orders AS (
    SELECT id, basket_id FROM baskets_order WHERE mod(basket_id, 100) BETWEEN 55 AND 64
)
SELECT
  (SELECT count(*) - count(DISTINCT basket_id) FROM paid_orders)
+ (SELECT count(*) FROM (SELECT basket_id FROM baskets_basketevent
    WHERE to_status = 'completed' AND mod(basket_id, 100) BETWEEN 55 AND 64
    GROUP BY basket_id HAVING count(*) > 1) AS twice)
+ (SELECT count(*) FROM (SELECT order_id FROM baskets_invoice
    WHERE order_id IN (SELECT id FROM paid_orders)
    GROUP BY order_id HAVING count(*) > 1) AS twice)
+ (SELECT count(*) FROM (SELECT order_line_id FROM baskets_courseenrolment
    WHERE order_id IN (SELECT id FROM paid_orders)
    GROUP BY order_line_id HAVING count(*) > 1) AS twice)
+ GREATEST((SELECT count(*) FROM baskets_orderline
            WHERE order_id IN (SELECT id FROM paid_orders))
           - (SELECT count(*) FROM baskets_line AS line
              JOIN paid_orders ON paid_orders.basket_id = line.basket_id), 0)
"""


def unavailable() -> str | None:
    if not (ROOT / "completion" / "management" / "commands" / "completion_run.py").exists():
        return "the completion_run command does not exist yet"
    try:
        importlib.import_module("completion.services")
    except ImportError as error:
        return f"completion.services cannot be imported ({error})"
    return None


def _reset() -> None:
    for statement in RESET_SQL:
        execute(statement)
    vacuum(*TABLES)


def _completed() -> int:
    return scalar(COMPLETED_SQL)


def _workers(count: int) -> float:
    """``count`` completion_run processes at once; returns the seconds until all ended."""
    command = [sys.executable, str(ROOT / "manage.py"), "completion_run", "--until-empty"]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [*command, "-v", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    failures = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            failures.append(f"{out}\n{err}")
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError("completion_run failed:\n" + "\n".join(failures))
    return seconds


def run(context: BenchContext, result: WorkloadResult) -> None:
    expected = context.seed["paid_expected"]
    outcomes: dict[str, list[tuple[int, int]]] = {}  # variant -> [(completed, duplicates)]

    def variant(name: str, call):
        def measure() -> float:
            seconds = call()
            completed, duplicates = _completed(), scalar(DUPLICATES_SQL)
            outcomes.setdefault(name, []).append((completed, duplicates))
            return completed / seconds

        return measure

    def limit() -> float:
        return timed(lambda: scalar(LIMIT_SQL))[0]

    samples = alternate(
        context.rounds,
        {
            "1 worker": variant("1 worker", lambda: _workers(1)),
            "2 workers": variant("2 workers", lambda: _workers(2)),
            "4 workers": variant("4 workers", lambda: _workers(4)),
            "set-based": variant("set-based", limit),
        },
        before=lambda _name: _reset(),
    )
    _reset()
    limit_series = Series(samples["set-based"])
    for name in WORKERS:
        completed = min(done for done, _ in outcomes[name])
        duplicates = max(twice for _, twice in outcomes[name])
        comparison = Comparison(
            case=f"{expected:,} paid baskets, {name}",
            metric="baskets/s",
            higher_is_better=True,
            product=Series(samples[name]),
            against=[Against("set-based INSERT ... SELECT + UPDATE", limit_series)],
            extra={
                "completed (fewest in a round)": f"{completed:,}",
                "duplicates (most in a round)": duplicates,
                "set-based duplicates": max(twice for _, twice in outcomes["set-based"]),
            },
        )
        result.comparisons.append(comparison)
        ratio = comparison.ratio(comparison.against[0]) or 0
        context.log(
            f"  {name}: {comparison.product.median:,.0f} baskets/s, set-based "
            f"{limit_series.median:,.0f}: {ratio:.2f}x; completed {completed:,} of "
            f"{expected:,}, duplicates {duplicates}"
        )
        if name == "2 workers":
            result.targets.append(
                ratio_target(
                    comparison,
                    text=f"completion with 2 workers >= {TARGET_RATIO}x the set-based SQL, "
                    "zero duplicates, every basket completed",
                    least=TARGET_RATIO,
                    also=f", {duplicates} duplicates, {completed:,} of {expected:,} completed",
                    also_met=duplicates == 0 and completed == expected,
                )
            )


WORKLOAD = Workload(
    name="completion",
    title="Completion of paid baskets",
    run=run,
    unavailable=unavailable,
    description=__doc__,
)
