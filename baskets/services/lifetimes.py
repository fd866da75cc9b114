"""PV-4: stale baskets go by themselves after their lifetime (days since the last activity).

Three live lifetimes, like Saleor's checkout lifetimes: ``BASKET_LIFETIME_EMPTY_DAYS`` for a
basket without lines, ``BASKET_LIFETIME_ANONYMOUS_DAYS`` for an anonymous one,
``BASKET_LIFETIME_LOGIN_DAYS`` for one with a login, a customer or a contact; 0 keeps that
kind. A basket goes when any lifetime that applies to it has run out; the first of empty,
anonymous, login names the rule it went by.

Only Active baskets that were never paid are candidates: Locked, paid, Awaiting Completion,
Completed and Completion Failed baskets are never touched. So is any basket that another
table holds on to: a gift-card reservation, an upsell offer, an order, a completion-failure
closure, or any table that points at baskets with ``CASCADE`` / ``PROTECT`` and does not
declare ``DELETED_WITH_BASKET = True`` (its rows are the basket's own, like lines). Tables
that point with ``SET_NULL`` (timeline, payment results, abandonments, gift-card history)
keep their rows, unlinked, as a staff deletion leaves them.

Each batch is one SQL statement (its own transaction): it locks the batch's lines, then the
baskets (the fixed lock order), skipping rows anyone else holds, deletes the dependants and
the baskets, and the run's summary row counts them. A storefront write on a basket in the
batch waits at most for that one statement; one on any other basket never waits.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from psycopg import sql

from basketops.business import business_setting

from ..models import AccountType, Basket, BasketLifetimeRun, LifetimeRule, Line, Status
from ..statements import statement_text

logger = logging.getLogger(__name__)

LIFETIME_SETTINGS: dict[LifetimeRule, str] = {
    LifetimeRule.EMPTY: "BASKET_LIFETIME_EMPTY_DAYS",
    LifetimeRule.ANONYMOUS: "BASKET_LIFETIME_ANONYMOUS_DAYS",
    LifetimeRule.LOGIN: "BASKET_LIFETIME_LOGIN_DAYS",
}
# A new scheduled run leaves an unfinished one alone while that one reported this recently
# (its task re-queues itself between budgets); an older one is taken as lost and closed.
RUN_STALE_AFTER = timedelta(minutes=15)


# --- decide ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LifetimeCutoffs:
    """Per rule, the last-activity time before which a basket of that kind goes (None:
    the kind is kept)."""

    empty: datetime | None
    anonymous: datetime | None
    login: datetime | None

    @property
    def latest(self) -> datetime | None:
        """The latest cutoff: no basket active after it can go (the index's bound)."""
        cutoffs = [cutoff for cutoff in (self.empty, self.anonymous, self.login) if cutoff]
        return max(cutoffs) if cutoffs else None

    def parameters(self) -> dict:
        return {
            "empty": self.empty,
            "anonymous": self.anonymous,
            "login": self.login,
            "latest": self.latest,
        }


def lifetime_cutoffs(*, now: datetime, lifetimes: dict[str, int]) -> LifetimeCutoffs:
    """The cutoffs for lifetimes in days by rule value; 0 (or less) keeps the kind."""

    def cutoff(rule: LifetimeRule) -> datetime | None:
        days = int(lifetimes.get(rule.value, 0))
        return now - timedelta(days=days) if days > 0 else None

    return LifetimeCutoffs(
        empty=cutoff(LifetimeRule.EMPTY),
        anonymous=cutoff(LifetimeRule.ANONYMOUS),
        login=cutoff(LifetimeRule.LOGIN),
    )


def lifetimes_current() -> dict[str, int]:
    """The live lifetimes in days, by rule value."""
    return {rule.value: int(business_setting(name)) for rule, name in LIFETIME_SETTINGS.items()}


# --- the statement --------------------------------------------------------------------------
@dataclass(frozen=True)
class BasketDependants:
    """How each table pointing at baskets takes a basket's deletion (from the models)."""

    deleted: tuple[tuple[str, str], ...]  # (table, column): rows deleted with the basket
    unlinked: tuple[tuple[str, str], ...]  # (table, column): column set to NULL
    holding: tuple[tuple[str, str], ...]  # (table, column): a row keeps the basket


def basket_dependants() -> BasketDependants:
    """Every relation to ``Basket`` in the installed apps, sorted by how a deletion treats it.

    Read from the model registry, so a table another app adds is covered without baskets
    importing it: ``SET_NULL`` is unlinked, ``DELETED_WITH_BASKET`` rows go, anything else
    keeps the basket."""
    deleted, unlinked, holding = [], [], []
    for relation in Basket._meta.related_objects:
        # Lines have a step of their own: they are locked before the baskets.
        if relation.many_to_many or relation.related_model is Line:
            continue
        field = relation.field
        entry = (field.model._meta.db_table, field.column)
        if relation.on_delete is models.SET_NULL:
            unlinked.append(entry)
        elif relation.on_delete is models.CASCADE and getattr(
            field.model, "DELETED_WITH_BASKET", False
        ):
            deleted.append(entry)
        else:
            holding.append(entry)
    return BasketDependants(
        deleted=tuple(sorted(deleted)),
        unlinked=tuple(sorted(unlinked)),
        holding=tuple(sorted(holding)),
    )


def _stale_condition(dependants: BasketDependants) -> str:
    line_table = Line._meta.db_table
    no_lines = f"NOT EXISTS (SELECT 1 FROM {line_table} AS l WHERE l.basket_id = basket.id)"  # noqa: S608 - table names from model metadata, values bound
    held = " ".join(
        f"AND NOT EXISTS (SELECT 1 FROM {table} AS h WHERE h.{column} = basket.id)"  # noqa: S608 - table names from model metadata, values bound
        for table, column in dependants.holding
    )
    anonymous = AccountType.ANONYMOUS.value
    return f"""basket.status = '{Status.ACTIVE.value}' AND basket.paid_at IS NULL
        AND basket.last_activity_at < %(latest)s
        AND (
            (basket.last_activity_at < %(empty)s AND {no_lines})
            OR (basket.account_type = '{anonymous}' AND basket.last_activity_at < %(anonymous)s)
            OR (basket.account_type <> '{anonymous}' AND basket.last_activity_at < %(login)s)
        )
        {held}"""


def _dependant_steps(dependants: BasketDependants) -> str:
    """One data-modifying CTE per dependant table: unlink or delete the batch's rows."""
    unlink = sql.SQL("UPDATE {table} SET {column} = NULL WHERE {column} IN (SELECT id FROM batch)")
    delete = sql.SQL("DELETE FROM {table} WHERE {column} IN (SELECT id FROM batch)")
    steps = [
        (f"unlinked_{index}", unlink, table, column)
        for index, (table, column) in enumerate(dependants.unlinked)
    ] + [
        (f"deleted_{index}", delete, table, column)
        for index, (table, column) in enumerate(dependants.deleted)
    ]
    return statement_text(
        sql.Composed(
            sql.SQL("{name} AS ({step}),\n").format(
                name=sql.Identifier(name),
                step=step.format(table=sql.Identifier(table), column=sql.Identifier(column)),
            )
            for name, step, table, column in steps
        )
    )


def _rule_case() -> str:
    line_table = Line._meta.db_table
    return f"""CASE
            WHEN basket.last_activity_at < %(empty)s
                AND NOT EXISTS (SELECT 1 FROM {line_table} AS l WHERE l.basket_id = basket.id)
                THEN '{LifetimeRule.EMPTY.value}'
            WHEN basket.account_type = '{AccountType.ANONYMOUS.value}'
                THEN '{LifetimeRule.ANONYMOUS.value}'
            ELSE '{LifetimeRule.LOGIN.value}'
        END"""  # noqa: S608 - table names from model metadata, values bound


def _delete_and_count(dependants: BasketDependants) -> str:
    basket_table = Basket._meta.db_table
    line_table = Line._meta.db_table
    return f"""{_dependant_steps(dependants)}lines_deleted AS (
    DELETE FROM {line_table} WHERE basket_id IN (SELECT id FROM batch)
),
baskets_deleted AS (DELETE FROM {basket_table} WHERE id IN (SELECT id FROM batch) RETURNING id)
SELECT batch.rule, count(*), (SELECT count(*) FROM candidate)
FROM batch JOIN baskets_deleted ON baskets_deleted.id = batch.id
GROUP BY batch.rule
UNION ALL
SELECT '', 0, (SELECT count(*) FROM candidate)
"""  # noqa: S608 - table names from model metadata, values bound


def lifetime_batch_sql() -> str:
    """One batch of the lifetime deletion as one statement; returns one row per rule with
    its count, plus the number of candidates looked at (``has_more`` when it is the limit)."""
    dependants = basket_dependants()
    basket_table = Basket._meta.db_table
    line_table = Line._meta.db_table
    stale = _stale_condition(dependants)
    # The candidates are read without locks; the lines are locked first (SKIP LOCKED), and
    # the baskets' scan reads the materialised lines once before locking its first basket
    # (the fixed order: lines before baskets). A basket goes only when all its lines were
    # locked and it is still stale under its own lock (a write in between kept it).
    return f"""
WITH candidate AS MATERIALIZED (
    SELECT basket.id FROM {basket_table} AS basket
    WHERE {stale}
    LIMIT %(limit)s
),
locked_lines AS MATERIALIZED (
    SELECT line.id, line.basket_id FROM {line_table} AS line
    WHERE line.basket_id IN (SELECT id FROM candidate)
    ORDER BY line.id
    FOR UPDATE OF line SKIP LOCKED
),
batch AS MATERIALIZED (
    SELECT basket.id, {_rule_case()} AS rule
    FROM {basket_table} AS basket
    WHERE basket.id IN (SELECT id FROM candidate)
        AND (SELECT count(*) FROM locked_lines) >= 0
        AND NOT EXISTS (
            SELECT 1 FROM {line_table} AS unlocked
            WHERE unlocked.basket_id = basket.id
                AND unlocked.id NOT IN (SELECT id FROM locked_lines)
        )
        AND {stale}
    ORDER BY basket.id
    FOR UPDATE OF basket SKIP LOCKED
),
{_delete_and_count(dependants)}"""  # noqa: S608 - table names from model metadata, values bound


def lifetime_unbatched_sql() -> str:
    """The same deletion of every stale basket at once, without a limit or row locks: the
    benchmark's measure of what one ``DELETE`` of the same rows costs (never run by the job,
    which would hold every row lock for the whole statement)."""
    dependants = basket_dependants()
    basket_table = Basket._meta.db_table
    return f"""
WITH batch AS MATERIALIZED (
    SELECT basket.id, {_rule_case()} AS rule
    FROM {basket_table} AS basket
    WHERE {_stale_condition(dependants)}
),
candidate AS (SELECT id FROM batch),
{_delete_and_count(dependants)}"""  # noqa: S608 - table names from model metadata, values bound


# --- apply ----------------------------------------------------------------------------------
def basket_lifetime_batch(
    *, run: BasketLifetimeRun, cutoffs: LifetimeCutoffs, batch_size: int
) -> tuple[int, bool]:
    """Delete one batch of stale baskets in one statement and count it on ``run``, in one
    transaction; returns (deleted, has_more). Locks the batch's lines and baskets, skipping
    rows anyone else holds, and the run's row."""
    if cutoffs.latest is None:
        return 0, False
    counts = {rule.value: 0 for rule in LifetimeRule}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(lifetime_batch_sql(), {**cutoffs.parameters(), "limit": batch_size})
            candidates = 0
            for rule, count, looked_at in cursor.fetchall():
                candidates = looked_at
                if rule:
                    counts[rule] += count
        deleted = sum(counts.values())
        BasketLifetimeRun.objects.filter(pk=run.pk).update(
            deleted_empty=F("deleted_empty") + counts[LifetimeRule.EMPTY],
            deleted_anonymous=F("deleted_anonymous") + counts[LifetimeRule.ANONYMOUS],
            deleted_login=F("deleted_login") + counts[LifetimeRule.LOGIN],
            batches=F("batches") + 1,
            updated_at=timezone.now(),
        )
    # A full batch of candidates may leave more. One that deleted nothing stops the run:
    # its candidates were all held by others, and the next run takes them.
    return deleted, candidates >= batch_size and deleted > 0


def basket_lifetime_run_start(*, now: datetime | None = None) -> BasketLifetimeRun | None:
    """Open a run with the live lifetimes; None when every lifetime keeps its kind or
    another run is still at work (it reported within RUN_STALE_AFTER)."""
    now = now or timezone.now()
    lifetimes = lifetimes_current()
    if not any(days > 0 for days in lifetimes.values()):
        return None
    with transaction.atomic():
        # One opener at a time: the check and the insert below are not racing another's.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('basket_lifetime_run'))")
        unfinished = BasketLifetimeRun.objects.filter(finished_at__isnull=True)
        if unfinished.filter(updated_at__gte=now - RUN_STALE_AFTER).exists():
            return None
        # A run whose task was lost keeps what it counted, closed now.
        unfinished.update(finished_at=now)
        return BasketLifetimeRun.objects.create(started_at=now, updated_at=now, lifetimes=lifetimes)


def basket_lifetime_run_continue(
    *,
    run_id: int,
    now: datetime | None = None,
    budget: timedelta | None = None,
    batch_size: int | None = None,
) -> tuple[BasketLifetimeRun, bool]:
    """PV-4: delete stale baskets batch by batch for up to ``budget``; returns the run and
    whether stale baskets remain (the task then re-queues itself). Closes the run when none
    remain. Each batch commits on its own."""
    run = BasketLifetimeRun.objects.get(pk=run_id)
    if run.finished_at is not None:
        return run, False
    now = now or timezone.now()
    cutoffs = lifetime_cutoffs(now=now, lifetimes=run.lifetimes)
    budget = budget if budget is not None else settings.BASKET_LIFETIME_RUN_BUDGET
    batch_size = batch_size or settings.BASKET_LIFETIME_BATCH_SIZE
    deadline = time.monotonic() + budget.total_seconds()
    has_more = True
    while has_more:
        _, has_more = basket_lifetime_batch(run=run, cutoffs=cutoffs, batch_size=batch_size)
        if time.monotonic() >= deadline:
            break
    if not has_more:
        BasketLifetimeRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()
    if not has_more:
        logger.info(
            "basket lifetimes: deleted %s empty, %s anonymous, %s login basket(s) in %s batch(es)",
            run.deleted_empty,
            run.deleted_anonymous,
            run.deleted_login,
            run.batches,
        )
    return run, has_more


def basket_lifetime_purge(
    *, now: datetime | None = None, batch_size: int | None = None
) -> BasketLifetimeRun | None:
    """PV-4: a whole run at once (commands, tests): start it and continue until no stale
    basket remains. None when nothing is to be deleted by the settings or a run is at work."""
    run = basket_lifetime_run_start(now=now)
    if run is None:
        return None
    has_more = True
    while has_more:
        run, has_more = basket_lifetime_run_continue(
            run_id=run.pk, now=now, batch_size=batch_size, budget=timedelta(hours=24)
        )
    return run
