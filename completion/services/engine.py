"""The completion engine (CB-3, CB-4): paid baskets become orders, never twice.

A run claims waiting baskets in batches with ``SELECT ... FOR UPDATE SKIP LOCKED``. The
claim counts the attempt and takes a lease in its own short transaction, before any work,
so a basket that kills its worker has still used an attempt and is free again when the
lease ends; while the worker lives, a thread renews the lease of the batch it holds (SC-3),
so a short lease frees a dead worker's baskets soon and never a live one's. A claimed batch
is then completed in one transaction of three statements: lock
(lines, then baskets) with the check of what stops a basket, the orders with everything
they need, the Completed transition with its events and outbox rows; hooks run last. If
anything goes wrong the batch rolls back and each basket is completed in its own
transaction the same way: order, lines, invoice, enrolments, hooks and the Completed
status commit together or not at all. A failure rolls that basket back, keeps the error
and leaves it for the next run; the attempt that uses up ``COMPLETION_MAX_ATTEMPTS`` moves
it to Completion Failed.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from psycopg import sql

from basketops.business import business_setting
from baskets.locks import basket_lock_row, baskets_lock_with_lines, ids_array
from baskets.models import Basket, Order, Status, TimelineAction
from baskets.models.orders import order_number
from baskets.services.actors import Actor
from baskets.services.transitions import (
    basket_fail_completion,
    baskets_complete_many,
    event_record,
)
from baskets.statements import statement_text, table
from scheduling.leases import lease_kept

from ..exceptions import CompletionError
from . import order_statement

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


# One statement: pick the batch (oldest attempt first, rows another worker holds skipped),
# count an attempt and take a lease on those with attempts left, and return the others too.
CLAIM_SQL = statement_text(
    sql.SQL(
        """
WITH batch AS MATERIALIZED (
    SELECT basket.id, basket.completion_attempts, basket.last_error
    FROM {basket} AS basket
    WHERE basket.status = %(awaiting)s
      AND (basket.completion_lease_until IS NULL OR basket.completion_lease_until <= %(now)s)
      AND (basket.last_attempt_at IS NULL OR basket.last_attempt_at < %(run_started_at)s)
    ORDER BY basket.last_attempt_at, basket.id
    LIMIT %(limit)s
    FOR UPDATE OF basket SKIP LOCKED
), claimed AS (
    UPDATE {basket} AS basket
    SET completion_attempts = basket.completion_attempts + 1,
        last_attempt_at = %(now)s,
        completion_lease_until = %(lease_until)s
    FROM batch
    WHERE basket.id = batch.id AND batch.completion_attempts < %(max_attempts)s
    RETURNING basket.id
)
SELECT claimed.id, true, '' FROM claimed
UNION ALL
SELECT batch.id, false, batch.last_error
FROM batch WHERE batch.completion_attempts >= %(max_attempts)s
"""
    ).format(basket=table(Basket))
)


def completion_claim(
    *, run_started_at, batch_size: int, max_attempts: int | None = None
) -> tuple[list[int], int]:
    """Claim up to ``batch_size`` waiting baskets: one more attempt each and a lease.

    Only baskets not attempted since this run started and not leased by another worker
    qualify, so each run tries a basket at most once (CB-4: "retried on the next run").
    A basket whose attempts are already used up lost its workers every time: it goes to
    Completion Failed here instead of being tried again. Returns (claimed ids, given up).
    """
    now = timezone.now()
    if max_attempts is None:
        max_attempts = business_setting("COMPLETION_MAX_ATTEMPTS")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                CLAIM_SQL,
                {
                    "awaiting": Status.AWAITING_COMPLETION.value,
                    "now": now,
                    "run_started_at": run_started_at,
                    "limit": batch_size,
                    "lease_until": now + settings.COMPLETION_LEASE,
                    "max_attempts": max_attempts,
                },
            )
            rows = cursor.fetchall()
        claimed = sorted(pk for pk, was_claimed, _error in rows if was_claimed)
        exhausted = sorted((pk, error) for pk, was_claimed, error in rows if not was_claimed)
        for pk, error in exhausted:
            note = "The worker was lost during the last attempt."
            basket_fail_completion(basket_id=pk, actor=COMPLETION, error=f"{note} {error}".strip())
    return claimed, len(exhausted)


# The claimed baskets this worker still works on get a fresh lease; rows a transaction of
# this worker has locked are skipped (the lock holds them) and nothing waits for a lock.
RENEW_SQL = statement_text(
    sql.SQL(
        """
UPDATE {basket} AS basket SET completion_lease_until = %(lease_until)s
WHERE basket.id IN (
    SELECT held.id FROM {basket} AS held
    WHERE held.id = ANY(%(ids)s::bigint[]) AND held.status = %(awaiting)s
      AND held.completion_lease_until IS NOT NULL
    FOR UPDATE SKIP LOCKED
)
"""
    ).format(basket=table(Basket))
)


def completion_lease_renew(*, basket_ids: list[int]) -> int:
    """Renew the lease of the claimed baskets still awaiting; autocommitted, never waits."""
    with connection.cursor() as cursor:
        cursor.execute(
            RENEW_SQL,
            {
                "ids": ids_array(basket_ids),
                "awaiting": Status.AWAITING_COMPLETION.value,
                "lease_until": timezone.now() + settings.COMPLETION_LEASE,
            },
        )
        return cursor.rowcount


def _hooks() -> list[Callable[[Order], None]]:
    return [import_string(path) for path in settings.COMPLETION_HOOKS]


def _run_hooks(orders: list[Order]) -> None:
    hooks = _hooks()
    for order in orders:
        for hook in hooks:
            try:
                hook(order)
            except CompletionError:
                raise
            except Exception as error:  # noqa: BLE001
                # A downstream hook is foreign code: whatever it raises is this basket's
                # failed attempt, rolled back with the order, never the end of the whole run.
                raise CompletionError(
                    f"Downstream hook {hook.__qualname__} raised: {error!r}"
                ) from error


# What the work needs of each locked basket: its status, its attempts (for the timeline)
# and why it cannot complete now, if it cannot.
LOCKED_COLUMNS = sql.SQL("basket.id, basket.status, basket.completion_attempts, {problem}").format(
    problem=order_statement.PROBLEM
)


def _baskets_complete(basket_ids: list[int], worker: str) -> tuple[list[int], dict[int, str]]:
    """Complete the claimed baskets that can, in the caller's transaction, in three
    statements: lock them with their lines (and find what stops any of them), make their
    orders, make them Completed (events, outbox); then run the hooks on the orders.

    Baskets no longer awaiting are left alone; returns (completed ids, problems by id).
    """
    rows = baskets_lock_with_lines(basket_ids, columns=LOCKED_COLUMNS)
    waiting = [row for row in rows if row[1] == Status.AWAITING_COMPLETION]
    problems = {pk: problem for pk, _status, _attempts, problem in waiting if problem}
    ready = [(pk, attempts) for pk, _status, attempts, problem in waiting if not problem]
    if not ready:
        return [], problems
    order_ids = order_statement.orders_create([pk for pk, _attempts in ready], timezone.now())
    completed = baskets_complete_many(
        basket_ids=[pk for pk, _attempts in ready],
        actor=COMPLETION,
        payloads={
            pk: {"order": order_number(pk), "attempt": attempts, "worker": worker}
            for pk, attempts in ready
        },
    )
    if len(completed) != len(ready):
        # Cannot happen under the locks; if it did, no order may outlive its basket's status.
        raise CompletionError("A locked basket changed status during its completion.")
    if settings.COMPLETION_HOOKS:
        # Last, so a hook sees the basket as it commits (Completed, its booking ID set).
        _run_hooks(list(Order.objects.filter(pk__in=order_ids).order_by("pk")))
    return completed, problems


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
            completed, problems = _baskets_complete(basket_ids, worker)
        return completed, sorted(problems)
    except (CompletionError, DatabaseError) as error:
        logger.info("batch of %s baskets falls back to one at a time: %s", len(basket_ids), error)
        return [], basket_ids


def basket_completion_attempt(*, basket_id: int, worker: str) -> str:
    """Complete one claimed basket in one transaction; returns the outcome's name.

    The batch's statements for one basket. Completed or skipped: nothing else to do; a
    CompletionError or database error: the work is rolled back and the attempt recorded.
    """
    try:
        with transaction.atomic():
            completed, problems = _baskets_complete([basket_id], worker)
            if problems:
                raise CompletionError(problems[basket_id])
            if not completed:
                return "skipped"
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
            action=TimelineAction.COMPLETION_ATTEMPT_FAILED,
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
    look_again: Callable[[], bool] | None = None,
) -> RunSummary:
    """One background run: claim and complete batches until none qualify.

    ``on_backlog`` is called once when a full batch shows there is more work than one
    worker should do alone; ``time_budget`` (seconds) ends the run after the batch in hand;
    ``look_again`` is asked when nothing qualifies and True claims again (a payment asked
    for a run meanwhile), and when time is up after a short batch, where True means out of
    time (a successor takes that request).
    """
    batch_size = batch_size or settings.COMPLETION_BATCH_SIZE
    run_started_at = timezone.now()
    max_attempts = business_setting("COMPLETION_MAX_ATTEMPTS")
    deadline = time.monotonic() + time_budget if time_budget else None
    summary = RunSummary()
    handled = 0
    while max_baskets is None or handled < max_baskets:
        size = batch_size if max_baskets is None else min(batch_size, max_baskets - handled)
        claimed, gave_up = completion_claim(
            run_started_at=run_started_at, batch_size=size, max_attempts=max_attempts
        )
        summary.gave_up += gave_up
        if not claimed:
            if gave_up or (look_again is not None and look_again()):
                continue
            break
        if on_backlog is not None and len(claimed) + gave_up == size:
            on_backlog()
            on_backlog = None
        with lease_kept(
            lambda ids=claimed: completion_lease_renew(basket_ids=ids),
            lease=settings.COMPLETION_LEASE,
            what=f"{len(claimed)} baskets",
        ):
            completed, one_by_one = baskets_completion_batch(basket_ids=claimed, worker=worker)
            summary.completed += len(completed)
            summary.skipped += len(claimed) - len(completed) - len(one_by_one)
            if one_by_one:
                # The batch held its rows locked, where the keeper cannot renew them: renew
                # them now, before they are worked on one at a time.
                completion_lease_renew(basket_ids=one_by_one)
            for basket_id in one_by_one:
                outcome = basket_completion_attempt(basket_id=basket_id, worker=worker)
                setattr(summary, outcome, getattr(summary, outcome) + 1)
        handled += len(claimed)
        if deadline is not None and time.monotonic() > deadline:
            # A full batch leaves work for a successor. After a short one the run ends as
            # it does when nothing qualifies, by looking again: a request made since it last
            # looked is its own and a successor must take it, else nothing would look.
            summary.out_of_time = len(claimed) == size or (look_again is not None and look_again())
            break
    return summary
