"""Workload 3: the abandonment sweep over every basket, 30% of them qualifying.

The product is ``abandonment.services.capture.abandonment_sweep`` called until it says no more
remain: batches that each mark their baskets, store an Abandonment snapshot per basket and
record its outbox event, skipping rows another worker holds. The limit does the same work in
one statement over every qualifying basket at once (the same ``UPDATE ... RETURNING`` and
``INSERT ... SELECT`` CTE, unbatched, without row locks, joined as the planner likes best).
Both use the seed's fixed "now", so the same baskets qualify however long the run takes. The
data is reset and vacuumed before each variant.
"""

import importlib

from django.apps import apps

from .common import execute, scalar, timed, vacuum
from .results import Against, Comparison, Series, WorkloadResult, ratio_line, ratio_target
from .seed import seed_now
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.6


def unavailable() -> str | None:
    try:
        capture = importlib.import_module("abandonment.services.capture")
    except ImportError as error:
        return f"abandonment.services.capture cannot be imported ({error})"
    if not hasattr(capture, "abandonment_sweep"):
        return "abandonment.services.capture.abandonment_sweep does not exist yet"
    return None


def _limit_sql() -> str:
    from abandonment.services.capture import LEAD_BASKETS_SQL, capture_sql

    return f"WITH batch AS (SELECT basket.id {LEAD_BASKETS_SQL}), {capture_sql(by_arrays=False)}"


def _reset() -> None:
    execute("UPDATE baskets_basket SET abandoned_at = NULL WHERE abandoned_at IS NOT NULL")
    execute("TRUNCATE baskets_outboxevent CASCADE")
    tables = ["baskets_basket", "baskets_outboxevent"]
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
    from abandonment.services.capture import SWEEP_BATCH, abandonment_sweep, capture_parameters

    now = seed_now(context.seed)
    expected = context.seed["sweep_expected"]

    def product() -> float:
        def sweep_all() -> int:
            total, more = 0, True
            while more:
                count, more = abandonment_sweep(now=now)
                total += count
            return total

        seconds, count = timed(sweep_all)
        snapshots = scalar("SELECT count(*) FROM abandonment_abandonment")
        if count != expected or snapshots != expected:
            raise RuntimeError(
                f"the sweep captured {count} baskets ({snapshots} snapshots), expected {expected}"
            )
        return count / seconds

    limit_sql, parameters = _limit_sql(), capture_parameters(now=now)

    def limit() -> float:
        seconds, count = timed(lambda: execute(limit_sql, parameters))
        snapshots = scalar("SELECT count(*) FROM abandonment_abandonment")
        if count != expected or snapshots != expected:
            raise RuntimeError(
                f"the one statement captured {count} baskets ({snapshots} snapshots), "
                f"expected {expected}"
            )
        return count / seconds

    samples = alternate(
        context.rounds, {"sweep": product, "one statement": limit}, before=lambda _name: _reset()
    )
    _reset()
    comparison = Comparison(
        case=f"{expected:,} of {context.baskets:,} baskets qualify",
        metric="baskets/s",
        higher_is_better=True,
        product=Series(samples["sweep"]),
        against=[
            Against(
                "one statement: UPDATE ... RETURNING + INSERT ... SELECT, unbatched",
                Series(samples["one statement"]),
            )
        ],
        extra={"batch size": SWEEP_BATCH, "snapshots and outbox events": "one per basket"},
    )
    result.comparisons.append(comparison)
    result.targets.append(
        ratio_target(
            comparison,
            text=f"abandonment sweep >= {TARGET_RATIO}x the same capture in one statement",
            least=TARGET_RATIO,
        )
    )
    context.log(ratio_line(comparison, "sweep", "one statement"))


WORKLOAD = Workload(
    name="sweep", title="Abandonment sweep", run=run, unavailable=unavailable, description=__doc__
)
