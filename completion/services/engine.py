"""The completion engine (CB-3, CB-4): paid baskets become orders, never twice.

A run claims waiting baskets in batches with ``SELECT ... FOR UPDATE SKIP LOCKED``. The
claim counts the attempt and takes a lease in its own short transaction, before any work,
so a basket that kills its worker has still used an attempt and is free again when the
lease ends. Each basket is then completed in its own transaction under its row lock:
order, lines, invoice, enrolments, hooks and the Completed status commit together or not
at all. A failure rolls that basket back, keeps the error and leaves it for the next run;
the attempt that uses up ``COMPLETION_MAX_ATTEMPTS`` moves it to Completion Failed.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from abandonment.services.capture import abandonments_mark_recovered
from basketops.business import business_setting
from baskets.locks import (
    basket_lock_row,
    basket_lock_rows,
    basket_lock_with_lines,
    lines_lock_for_baskets,
)
from baskets.models import (
    Basket,
    EventAction,
    Order,
    Status,
)
from baskets.models.orders import order_number
from baskets.services.actors import Actor
from baskets.services.outbox import outbox_record_orders_created
from baskets.services.transitions import (
    basket_complete,
    basket_fail_completion,
    baskets_complete_many,
    event_record,
)

from ..exceptions import CompletionError
from . import orders_sql

logger = logging.getLogger(__name__)
COMPLETION = Actor.system("completion")


@dataclass
class RunSummary:
    completed: int = 0
    failed: int = 0  # failed attempts that will be retried by a later run
    gave_up: int = 0  # moved to Completion Failed
    skipped: int = 0  # no longer waiting when their turn came
    out_of_time: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def completion_claim(*, run_started_at, batch_size: int) -> tuple[list[int], int]:
    """Claim up to ``batch_size`` waiting baskets: one more attempt each and a lease.

    Only baskets not attempted since this run started and not leased by another worker
    qualify, so each run tries a basket at most once (CB-4: "retried on the next run").
    A basket whose attempts are already used up lost its workers every time: it goes to
    Completion Failed here instead of being tried again. Returns (claimed ids, given up).
    """
    now = timezone.now()
    max_attempts = business_setting("COMPLETION_MAX_ATTEMPTS")
    with transaction.atomic():
        rows = list(
            Basket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.AWAITING_COMPLETION)
            .filter(Q(completion_lease_until__isnull=True) | Q(completion_lease_until__lte=now))
            .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=run_started_at))
            .order_by("last_attempt_at", "id")
            .values_list("id", "completion_attempts", "last_error")[:batch_size]
        )
        claimed = [pk for pk, attempts, _error in rows if attempts < max_attempts]
        if claimed:
            Basket.objects.filter(pk__in=claimed).update(
                completion_attempts=F("completion_attempts") + 1,
                last_attempt_at=now,
                completion_lease_until=now + settings.COMPLETION_LEASE,
            )
        exhausted = [(pk, error) for pk, attempts, error in rows if attempts >= max_attempts]
        for pk, error in exhausted:
            note = "The worker was lost during the last attempt."
            basket_fail_completion(basket_id=pk, actor=COMPLETION, error=f"{note} {error}".strip())
    return claimed, len(exhausted)


def _hooks() -> list[Callable[[Order], None]]:
    return [import_string(path) for path in settings.COMPLETION_HOOKS]


def _run_hooks(order: Order) -> None:
    for hook in _hooks():
        try:
            hook(order)
        except CompletionError:
            raise
        except Exception as error:  # noqa: BLE001
            # A downstream hook is foreign code: whatever it raises is this basket's failed
            # attempt, rolled back with the order, never the end of the whole run.
            raise CompletionError(
                f"Downstream hook {hook.__qualname__} raised: {error!r}"
            ) from error


# What the batch needs of each basket; the rest of the row stays in the database.
BATCH_FIELDS = ("id", "guid", "status", "completion_attempts", "total", "currency")


def _orders_make(basket_ids: list[int], now) -> tuple[list[Order], dict[int, str]]:
    """Make the orders of the locked baskets that can complete; returns (orders, problems).

    Orders are loaded back only when hooks need them."""
    problems = orders_sql.completion_problems(basket_ids)
    order_ids = orders_sql.orders_create(
        [basket_id for basket_id in basket_ids if basket_id not in problems], now
    )
    orders = list(Order.objects.filter(pk__in=order_ids)) if settings.COMPLETION_HOOKS else []
    return orders, problems


def baskets_completion_batch(*, basket_ids: list[int], worker: str) -> tuple[list[int], list[int]]:
    """Complete a claimed batch in one transaction, the fast path for the common case.

    Locks the batch's lines, then its baskets, in id order. Baskets that cannot complete
    are left out and returned for the per-basket path, which records their failure; if
    anything else goes wrong (a hook, a clash) the whole batch rolls back and every basket
    takes the per-basket path, so one basket's failure never costs another an order.
    Returns (completed ids, ids for the per-basket path).
    """
    try:
        with transaction.atomic():
            lines_lock_for_baskets(basket_ids)
            baskets = [
                basket
                for basket in basket_lock_rows(basket_ids, fields=BATCH_FIELDS)
                if basket.status == Status.AWAITING_COMPLETION
            ]
            now = timezone.now()
            orders, problems = _orders_make([basket.pk for basket in baskets], now)
            for order in orders:
                _run_hooks(order)
            completed = baskets_complete_many(
                basket_ids=[basket.pk for basket in baskets if basket.pk not in problems],
                actor=COMPLETION,
                payloads={
                    basket.pk: {
                        "order": order_number(basket.pk),
                        "attempt": basket.completion_attempts,
                        "worker": worker,
                    }
                    for basket in baskets
                },
            )
            outbox_record_orders_created(basket_ids=completed, at=now)
            abandonments_mark_recovered(basket_ids=completed, now=now)
        return completed, sorted(problems)
    except (CompletionError, DatabaseError) as error:
        logger.info("batch of %s baskets falls back to one at a time: %s", len(basket_ids), error)
        return [], basket_ids


def basket_completion_attempt(*, basket_id: int, worker: str) -> str:
    """Complete one claimed basket in one transaction; returns the outcome's name.

    Locks the basket's lines, then the basket. Completed or skipped: nothing else to do;
    a CompletionError or database error: the work is rolled back and the attempt recorded.
    """
    try:
        with transaction.atomic():
            basket, _lines = basket_lock_with_lines(basket_id)
            if basket.status != Status.AWAITING_COMPLETION:
                return "skipped"
            now = timezone.now()
            orders, problems = _orders_make([basket_id], now)
            if problems:
                raise CompletionError(problems[basket_id])
            for order in orders:
                _run_hooks(order)
            basket_complete(
                basket_id=basket_id,
                actor=COMPLETION,
                payload={
                    "order": order_number(basket_id),
                    "attempt": basket.completion_attempts,
                    "worker": worker,
                },
            )
            outbox_record_orders_created(basket_ids=[basket_id], at=now)
            abandonments_mark_recovered(basket_ids=[basket_id], now=now)
        return "completed"
    except (CompletionError, DatabaseError) as error:
        logger.warning("completion of basket %s failed: %s", basket_id, error)
        return completion_failure_record(basket_id=basket_id, error=str(error)[:2000])


def completion_failure_record(*, basket_id: int, error: str) -> str:
    """Keep the error of a failed attempt; the last allowed attempt fails the basket."""
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        if basket.status != Status.AWAITING_COMPLETION:
            return "skipped"
        if basket.completion_attempts >= business_setting("COMPLETION_MAX_ATTEMPTS"):
            basket_fail_completion(basket_id=basket_id, actor=COMPLETION, error=error)
            return "gave_up"
        basket.last_error = error
        basket.completion_lease_until = None
        basket.save(update_fields=["last_error", "completion_lease_until"])
        event_record(
            basket=basket,
            action=EventAction.COMPLETION_ATTEMPT_FAILED,
            actor=COMPLETION,
            reason=error,
            payload={"attempt": basket.completion_attempts},
        )
    return "failed"


def completion_run(
    *,
    worker: str,
    batch_size: int | None = None,
    max_baskets: int | None = None,
    time_budget: float | None = None,
    on_backlog: Callable[[], None] | None = None,
) -> RunSummary:
    """One background run: claim and complete batches until none qualify.

    ``on_backlog`` is called once when a full batch shows there is more work than one
    worker should do alone; ``time_budget`` (seconds) ends the run after the batch in hand.
    """
    batch_size = batch_size or settings.COMPLETION_BATCH_SIZE
    run_started_at = timezone.now()
    deadline = time.monotonic() + time_budget if time_budget else None
    summary = RunSummary()
    handled = 0
    while max_baskets is None or handled < max_baskets:
        size = batch_size if max_baskets is None else min(batch_size, max_baskets - handled)
        claimed, gave_up = completion_claim(run_started_at=run_started_at, batch_size=size)
        summary.gave_up += gave_up
        if not claimed:
            if gave_up:
                continue
            break
        if on_backlog is not None and len(claimed) + gave_up == size:
            on_backlog()
            on_backlog = None
        completed, one_by_one = baskets_completion_batch(basket_ids=claimed, worker=worker)
        summary.completed += len(completed)
        summary.skipped += len(claimed) - len(completed) - len(one_by_one)
        for basket_id in one_by_one:
            outcome = basket_completion_attempt(basket_id=basket_id, worker=worker)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        handled += len(claimed)
        if deadline is not None and time.monotonic() > deadline:
            summary.out_of_time = len(claimed) == size
            break
    return summary
