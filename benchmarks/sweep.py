"""Workload 3: the abandonment sweep over every basket, 30% of them qualifying.

The product is ``abandonment.services.capture.abandonment_sweep`` called until it says no more
remain (it also stores an Abandonment snapshot per basket); the limit is one
``UPDATE ... WHERE`` marking the same baskets. Both use the seed's fixed "now", so the
same baskets qualify however long the run takes. The data is reset and vacuumed before
each variant.
"""

import importlib

from django.apps import apps

from .common import execute, scalar, timed, vacuum
from .results import Against, Comparison, Series, Target, WorkloadResult
from .seed import seed_now, sweep_cutoff
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.6

LIMIT_SQL = """
UPDATE baskets_basket SET abandoned_at = %(now)s
WHERE status = 'active' AND abandoned_at IS NULL AND last_activity_at < %(idle_since)s
"""


def unavailable() -> str | None:
    try:
        capture = importlib.import_module("abandonment.services.capture")
    except ImportError as error:
        return f"abandonment.services.capture cannot be imported ({error})"
    if not hasattr(capture, "abandonment_sweep"):
        return "abandonment.services.capture.abandonment_sweep does not exist yet"
    return None


def _reset() -> None:
    execute("UPDATE baskets_basket SET abandoned_at = NULL WHERE abandoned_at IS NOT NULL")
    tables = ["baskets_basket"]
    try:
        abandonment = apps.get_model("abandonment", "Abandonment")
    except LookupError:
        abandonment = None
    if abandonment is not None:
        # CASCADE: the reminder sends recorded for the abandonments go with them.
        execute(f"TRUNCATE {abandonment._meta.db_table} CASCADE")  # noqa: S608 - model metadata
        tables.append(abandonment._meta.db_table)
    vacuum(*tables)


def run(context: BenchContext, result: WorkloadResult) -> None:
    from abandonment.services.capture import abandonment_sweep

    now, idle_since = seed_now(context.seed), sweep_cutoff(context.seed)
    expected = context.seed["sweep_expected"]

    def product() -> float:
        def sweep_all() -> int:
            total, more = 0, True
            while more:
                count, more = abandonment_sweep(now=now)
                total += count
            return total

        seconds, count = timed(sweep_all)
        snapshots = scalar("SELECT count(*) FROM completion_abandonment")
        if count != expected or snapshots != expected:
            raise RuntimeError(
                f"the sweep captured {count} baskets ({snapshots} snapshots), expected {expected}"
            )
        return count / seconds

    def limit() -> float:
        seconds, count = timed(lambda: execute(LIMIT_SQL, {"now": now, "idle_since": idle_since}))
        if count != expected:
            raise RuntimeError(f"the UPDATE marked {count} baskets, expected {expected}")
        return count / seconds

    samples = alternate(
        context.rounds, {"sweep": product, "update": limit}, before=lambda _name: _reset()
    )
    _reset()
    comparison = Comparison(
        case=f"{expected:,} of {context.baskets:,} baskets qualify",
        metric="baskets/s",
        higher_is_better=True,
        product=Series(samples["sweep"]),
        against=[Against("single UPDATE ... WHERE", Series(samples["update"]))],
        extra={"snapshots": "one per basket (product only)"},
    )
    result.comparisons.append(comparison)
    ratio = comparison.ratio(comparison.against[0]) or 0
    result.targets.append(
        Target(
            text=f"abandonment sweep >= {TARGET_RATIO}x the single UPDATE",
            measured=f"{ratio:.2f}x ({comparison.product.median:,.0f} vs "
            f"{comparison.against[0].series.median:,.0f} baskets/s)",
            met=ratio >= TARGET_RATIO,
        )
    )
    context.log(
        f"  sweep {comparison.product.median:,.0f} baskets/s, UPDATE "
        f"{comparison.against[0].series.median:,.0f} baskets/s: {ratio:.2f}x"
    )


WORKLOAD = Workload(
    name="sweep", title="Abandonment sweep", run=run, unavailable=unavailable, description=__doc__
)
