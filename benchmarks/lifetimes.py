"""Workload 7: basket lifetimes (PV-4): the stale 30% of the baskets deleted.

The seed's Active baskets idle for days (``id % 100 < 30``, a third of a 3,000,000-basket
run is 900,000) outlive a lifetime of one day; nothing else does. The product is
``baskets.services.lifetimes.basket_lifetime_purge``: batches of
``BASKET_LIFETIME_BATCH_SIZE`` baskets, one statement each, that lock the lines and baskets
they delete (skipping held rows) and unlink or delete what points at them. The limit is a
single ``DELETE`` of the same rows with the same dependants, unbatched and without row
locks (``lifetime_unbatched_sql``). Both use the seed's fixed "now". The deleted baskets and
lines are put back from a copy, and the tables vacuumed, before each variant.
"""

import importlib

from django.conf import settings

from .common import execute, scalar, timed, vacuum
from .results import Against, Comparison, Series, WorkloadResult, ratio_line, ratio_target
from .seed import seed_now
from .workload import BenchContext, Workload, alternate

TARGET_RATIO = 0.5
STALE = "mod(id, 100) < 30"
LIFETIME_DAYS = 1
COPIES = {"baskets_basket": "bench_lifetime_basket", "baskets_line": "bench_lifetime_line"}


def unavailable() -> str | None:
    try:
        lifetimes = importlib.import_module("baskets.services.lifetimes")
    except ImportError as error:
        return f"baskets.services.lifetimes cannot be imported ({error})"
    if not hasattr(lifetimes, "basket_lifetime_purge"):
        return "baskets.services.lifetimes.basket_lifetime_purge does not exist yet"
    return None


def _copies_make() -> None:
    execute(f"CREATE TABLE bench_lifetime_basket AS SELECT * FROM baskets_basket WHERE {STALE}")  # noqa: S608 - constant SQL
    execute(
        "CREATE TABLE bench_lifetime_line AS SELECT line.* FROM baskets_line AS line "
        "JOIN bench_lifetime_basket AS basket ON basket.id = line.basket_id"
    )


def _reset() -> None:
    """Put the stale baskets and their lines back as the seed made them."""
    stale_ids = f"SELECT id FROM baskets_basket WHERE {STALE}"  # noqa: S608 - constant SQL
    execute(f"DELETE FROM baskets_line WHERE basket_id IN ({stale_ids})")  # noqa: S608
    execute(f"DELETE FROM baskets_basket WHERE {STALE}")  # noqa: S608 - constant SQL
    execute("INSERT INTO baskets_basket SELECT * FROM bench_lifetime_basket")
    execute("INSERT INTO baskets_line SELECT * FROM bench_lifetime_line")
    execute("TRUNCATE baskets_basketlifetimerun")
    vacuum("baskets_basket", "baskets_line")


def run(context: BenchContext, result: WorkloadResult) -> None:
    from baskets.services.lifetimes import (
        basket_lifetime_purge,
        lifetime_cutoffs,
        lifetime_unbatched_sql,
    )

    now = seed_now(context.seed)
    settings.BASKET_LIFETIME_EMPTY_DAYS = LIFETIME_DAYS
    settings.BASKET_LIFETIME_ANONYMOUS_DAYS = LIFETIME_DAYS
    settings.BASKET_LIFETIME_LOGIN_DAYS = LIFETIME_DAYS
    expected = scalar(f"SELECT count(*) FROM baskets_basket WHERE {STALE}")  # noqa: S608
    _copies_make()

    def product() -> float:
        seconds, run_row = timed(lambda: basket_lifetime_purge(now=now))
        left = scalar(f"SELECT count(*) FROM baskets_basket WHERE {STALE}")  # noqa: S608
        if run_row is None or run_row.deleted_total != expected or left:
            raise RuntimeError(f"the job deleted {run_row and run_row.deleted_total} of "
                               f"{expected} stale baskets ({left} left)")  # fmt: skip
        context.log(f"  job: {run_row.batches} batches")
        return expected / seconds

    parameters = lifetime_cutoffs(
        now=now, lifetimes=dict.fromkeys(("empty", "anonymous", "login"), LIFETIME_DAYS)
    ).parameters()

    def limit() -> float:
        seconds, _ = timed(lambda: execute(lifetime_unbatched_sql(), parameters))
        left = scalar(f"SELECT count(*) FROM baskets_basket WHERE {STALE}")  # noqa: S608
        if left:
            raise RuntimeError(f"the single DELETE left {left} stale baskets")
        return expected / seconds

    try:
        samples = alternate(
            context.rounds, {"job": product, "single DELETE": limit}, before=lambda _n: _reset()
        )
        _reset()
    finally:
        for copy in COPIES.values():
            execute(f"DROP TABLE IF EXISTS {copy}")
    comparison = Comparison(
        case=f"{expected:,} stale of {context.baskets:,} baskets",
        metric="baskets/s",
        higher_is_better=True,
        product=Series(samples["job"]),
        against=[
            Against(
                "one DELETE of the same rows and dependants, unbatched, no row locks",
                Series(samples["single DELETE"]),
            )
        ],
        extra={"batch size": settings.BASKET_LIFETIME_BATCH_SIZE},
    )
    result.comparisons.append(comparison)
    result.targets.append(
        ratio_target(
            comparison,
            text=f"basket lifetimes >= {TARGET_RATIO}x a single DELETE of the same rows",
            least=TARGET_RATIO,
        )
    )
    context.log(ratio_line(comparison, "job", "single DELETE"))


WORKLOAD = Workload(
    name="lifetimes",
    title="Basket lifetimes",
    run=run,
    unavailable=unavailable,
    description=__doc__,
)
