"""Time to order and time to webhook: how long a shop and an ERP wait after a commit.

Payments (or events) are made at a steady rate by a pool of threads in the bench process,
each in its own transaction through the product's own services; two Celery worker
processes (one task at a time each) do the rest, and no scheduler runs: what reaches the
order table or the receiver was asked for by the commit (the periodic runs are only the
safety net). Each case runs for ``--latency-seconds`` (60 by default). There is no limit
to compare with: the figures are the percentiles of the wait itself, over every payment.
"""

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from .receiver import WebhookReceiver
from .results import Comparison, Series, Target, WorkloadResult
from .workers import celery_workers
from .workload import BenchContext, Workload

WORKERS = 2
ORDER_RATES = (50, 200)  # payments per second
WEBHOOK_RATES = (50,)  # events per second
CASES = len(ORDER_RATES) + len(WEBHOOK_RATES)
THREADS = 8  # payments in flight at most
POLL_SECONDS = 0.01  # how often the order table is read for new orders
SETTLE_SECONDS = 120  # how long the last payments may wait for their order
ORDER_TARGET_P99_MS = 2000  # SC-1: an order within 2 s
WEBHOOK_TARGET_P99_MS = 1000  # SC-2: a webhook within 1 s
TIME_TO_ORDER_TEXT = """Payments at a steady 50/s and 200/s, each in its own transaction
(``basket_mark_paid``, as a payment notification makes it), on Active baskets of the seed;
two Celery worker processes and no scheduler. The time runs from the payment's commit (an
on-commit callback registered ahead of the product's own) to the moment its order row is
visible to another connection, which reads the order table every 10 ms (so a figure may be
up to 10 ms late). Every payment counts; a basket left without an order fails the run."""
TIME_TO_WEBHOOK_TEXT = """``basket.status_changed`` events at a steady 50/s (``basket_lock``,
Active to Locked, each in its own transaction) and one endpoint on a local HTTP receiver in
the bench process; two Celery worker processes and no scheduler. The time runs from the
event's commit to the receiver reading the request. Every event counts; one that never
arrives fails the run."""


def _active_baskets(count: int, *, exclude: set[int] = frozenset()) -> list[int]:
    """Active baskets with lines, oldest first, none of ``exclude``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM baskets_basket AS basket WHERE status = 'active' "
            "AND EXISTS (SELECT FROM baskets_line AS line WHERE line.basket_id = basket.id) "
            "AND NOT (id = ANY(%s)) ORDER BY id LIMIT %s",
            [list(exclude), count],
        )
        return [row[0] for row in cursor.fetchall()]


def steady(rate: float, items: list, act: Callable[[object], None]) -> dict:
    """Call ``act(item)`` for every item at ``rate`` per second from ``THREADS`` threads;
    returns when each call committed (``committed[item]``, wall clock) and how late the
    calls started against their schedule."""
    committed: dict = {}
    late: list[float] = []
    failures: list[str] = []
    started = time.monotonic() + 0.2

    def run(offset: int) -> None:
        try:
            for index in range(offset, len(items), THREADS):
                due = started + index / rate
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                late.append(max(0.0, -wait))
                item = items[index]
                with transaction.atomic():
                    # Registered first, so it runs first when the transaction commits.
                    transaction.on_commit(lambda item=item: _stamp(committed, item))
                    act(item)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(offset,)) for offset in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} paying threads failed: {failures[0]}")
    seconds = time.monotonic() - started
    return {"committed": committed, "late": late, "seconds": seconds}


def _stamp(committed: dict, item) -> None:
    committed[item] = time.time()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _case_report(
    context: BenchContext,
    result: WorkloadResult,
    case: str,
    waits_ms: list[float],
    made: dict,
    target: tuple[str, int, float],
) -> None:
    """One rate's waits as a case (every wait a sample; p50, p95, p99), its target (p99 at
    most ``target``'s milliseconds) and its log line."""
    achieved = len(waits_ms) / made["seconds"] if made["seconds"] else 0.0
    extra = {
        "p50 ms": round(percentile(waits_ms, 0.50), 1),
        "p95 ms": round(percentile(waits_ms, 0.95), 1),
        "p99 ms": round(percentile(waits_ms, 0.99), 1),
        "count": len(waits_ms),
        "made per s": round(achieved, 1),
        "started late p99 ms": round(percentile(made["late"], 0.99) * 1000, 1),
    }
    result.comparisons.append(
        Comparison(
            case=case,
            metric="ms",
            higher_is_better=False,
            product=Series([round(wait, 1) for wait in waits_ms]),
            extra=extra,
        )
    )
    what, rate, most_ms = target
    result.targets.append(
        Target(
            text=f"time to {what} at {rate}/s: p99 <= {most_ms / 1000:g} s",
            measured=f"p50 {extra['p50 ms']} ms, p95 {extra['p95 ms']} ms, "
            f"p99 {extra['p99 ms']} ms",
            met=extra["p99 ms"] <= most_ms,
        )
    )
    context.log(
        f"  {case}: p50 {extra['p50 ms']} ms, p95 {extra['p95 ms']} ms, p99 {extra['p99 ms']} "
        f"ms ({extra['made per s']}/s made)"
    )


def _plan(context: BenchContext, rates: tuple[int, ...]) -> list[tuple]:
    """(rate, baskets) per case: ``rate x --latency-seconds`` Active baskets each, fewer
    when the seed has too few (a small run), at least two; none used by an earlier case."""
    taken = context.seed.setdefault("latency_taken", set())
    if "latency_share" not in context.seed:
        # A small seed is shared out between every case of both workloads.
        context.seed["latency_share"] = len(_active_baskets(context.baskets)) // CASES
    plans = []
    for rate in rates:
        wanted = min(max(2, round(rate * context.latency_seconds)), context.seed["latency_share"])
        baskets = _active_baskets(wanted, exclude=taken)
        if len(baskets) < 2:
            raise RuntimeError("the seed has too few Active baskets with lines left")
        taken.update(baskets)
        plans.append((rate, baskets))
    return plans


# --- time to order ------------------------------------------------------------------------


def _orders_seen(
    basket_ids: list[int], stop: threading.Event, seen: dict, timeout: float | None = None
) -> None:
    """Read the order table every ``POLL_SECONDS`` for the paid baskets not yet seen."""
    pending = set(basket_ids)
    deadline = time.monotonic() + timeout if timeout else None
    try:
        while pending and not stop.is_set():
            if deadline and time.monotonic() > deadline:
                raise RuntimeError("the first payment got no order")
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT basket_id FROM baskets_order WHERE basket_id = ANY(%s)", [list(pending)]
                )
                now = time.time()
                for (basket_id,) in cursor.fetchall():
                    seen[basket_id] = now
                    pending.discard(basket_id)
            time.sleep(POLL_SECONDS)
    finally:
        connection.close()


def time_to_order_run(context: BenchContext, result: WorkloadResult) -> None:
    from baskets.models import Product
    from baskets.services.actors import Actor
    from baskets.services.transitions import basket_mark_paid

    Product.objects.update(available=True)
    plans = _plan(context, ORDER_RATES)
    actor = Actor.system("bench")
    with celery_workers(WORKERS):
        # A worker's first task loads code and connects: not what a shop sees in steady state.
        warm = _active_baskets(1, exclude=context.seed["latency_taken"])
        steady(1, warm, lambda basket_id: basket_mark_paid(basket_id=basket_id, actor=actor))
        _orders_seen(warm, threading.Event(), {}, timeout=SETTLE_SECONDS)
        for rate, baskets in plans:
            seen: dict[int, float] = {}
            stop = threading.Event()
            observer = threading.Thread(target=_orders_seen, args=(baskets, stop, seen))
            observer.start()
            try:
                made = steady(
                    rate,
                    baskets,
                    lambda basket_id: basket_mark_paid(
                        basket_id=basket_id, actor=actor, payment_reference="BENCH"
                    ),
                )
                observer.join(timeout=SETTLE_SECONDS)
            finally:
                stop.set()
                observer.join()
            missing = len(baskets) - len(seen)
            if missing:
                raise RuntimeError(f"{missing} of {len(baskets)} paid baskets got no order")
            waits = [(seen[id_] - made["committed"][id_]) * 1000 for id_ in baskets]
            case = f"{len(baskets):,} payments at {rate}/s"
            _case_report(context, result, case, waits, made, ("order", rate, ORDER_TARGET_P99_MS))


# --- time to webhook ----------------------------------------------------------------------


class Arrivals(dict):
    """Basket GUID -> when its first Locked event reached the receiver."""

    def note(self, envelope: dict, at: float) -> None:
        data = envelope.get("data", {})
        if data.get("to_status") == "locked":
            self.setdefault(data["basket_guid"], at)


def time_to_webhook_run(context: BenchContext, result: WorkloadResult) -> None:
    from baskets.models import Basket, EventType
    from baskets.services.actors import Actor
    from baskets.services.transitions import basket_lock
    from webhooks.models import WebhookEndpoint
    from webhooks.services.endpoints import endpoint_secret_new

    plans = _plan(context, WEBHOOK_RATES)
    (warm,) = _active_baskets(1, exclude=context.seed["latency_taken"])
    ids = [warm, *(id_ for _rate, baskets in plans for id_ in baskets)]
    guids = dict(Basket.objects.filter(pk__in=ids).values_list("pk", "guid"))
    arrivals = Arrivals()
    receiver = WebhookReceiver(arrivals.note)
    with receiver, celery_workers(WORKERS, WEBHOOK_ALLOW_PRIVATE_URLS="true"):
        # A plain-http local receiver, which the admin form accepts only with DEBUG on.
        endpoint = WebhookEndpoint.objects.create(
            url=receiver.url,
            event_types=[EventType.BASKET_STATUS_CHANGED],
            description="bench receiver",
            secret=endpoint_secret_new(),
            created_at=timezone.now(),
        )

        def lock(basket_id: int) -> None:
            basket_lock(basket_id=basket_id, actor=Actor.system("bench"), reason="bench")

        def arrived(baskets: list[int]) -> None:
            wanted = {str(guids[id_]) for id_ in baskets}
            deadline = time.monotonic() + SETTLE_SECONDS
            while not wanted <= arrivals.keys() and time.monotonic() < deadline:
                time.sleep(0.1)
            missing = len(wanted - arrivals.keys())
            if missing:
                raise RuntimeError(f"{missing} of {len(baskets)} events never arrived")

        try:
            # A worker's first task loads code and connects: not the steady state.
            steady(1, [warm], lock)
            arrived([warm])
            for rate, baskets in plans:
                made = steady(rate, baskets, lock)
                arrived(baskets)
                waits = [
                    (arrivals[str(guids[id_])] - made["committed"][id_]) * 1000 for id_ in baskets
                ]
                case = f"{len(baskets):,} events at {rate}/s"
                target = ("webhook", rate, WEBHOOK_TARGET_P99_MS)
                _case_report(context, result, case, waits, made, target)
        finally:
            # Its deliveries and their attempts stay, as they would for any endpoint.
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)


TIME_TO_ORDER = Workload(
    name="time_to_order",
    title="Time to order",
    run=time_to_order_run,
    description=TIME_TO_ORDER_TEXT,
)
TIME_TO_WEBHOOK = Workload(
    name="time_to_webhook",
    title="Time to webhook",
    run=time_to_webhook_run,
    description=TIME_TO_WEBHOOK_TEXT,
)
