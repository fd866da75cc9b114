"""Retention: timelines of deleted baskets, payment results, outbox events already handed
on, and (registered by the webhooks app) webhook attempts go after their live retention
period (days; 0 keeps them), in set-based batches, all by one job.

Each batch is one ``DELETE`` of at most ``batch_size`` rows picked by primary key, so no
statement holds its locks for long and a backlog goes over several runs of the task.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from basketops.business import business_setting

from ..models import BasketEvent, OutboxEvent, PaymentResult

BATCH_SIZE = 5000


@dataclass(frozen=True)
class RetentionRule:
    name: str
    model: type[models.Model]
    setting: str
    expired: Callable[[datetime], Q]


RULES: list[RetentionRule] = [
    # A live basket's timeline lives as long as the basket; a deleted one's for the period.
    RetentionRule(
        "timeline",
        BasketEvent,
        "TIMELINE_RETENTION_DAYS",
        lambda cutoff: Q(basket__isnull=True, created_at__lt=cutoff),
    ),
    RetentionRule(
        "payment_results",
        PaymentResult,
        "PAYMENT_RESULT_RETENTION_DAYS",
        lambda cutoff: Q(created_at__lt=cutoff),
    ),
    # An event not yet handed on stays, whatever its age: its consumer still needs it.
    RetentionRule(
        "outbox_events",
        OutboxEvent,
        "OUTBOX_RETENTION_DAYS",
        lambda cutoff: Q(dispatched_at__isnull=False, created_at__lt=cutoff),
    ),
]


def retention_rule_register(rule: RetentionRule) -> None:
    """Another app's records purged by the same job (e.g. webhook attempts)."""
    if all(known.name != rule.name for known in RULES):
        RULES.append(rule)


def _batch_delete(rule: RetentionRule, cutoff: datetime, batch_size: int) -> int:
    """One statement: delete up to ``batch_size`` expired rows of ``rule``'s table."""
    ids = rule.model.objects.filter(rule.expired(cutoff)).order_by("pk").values("pk")
    inner, params = ids[:batch_size].query.sql_with_params()
    table = connection.ops.quote_name(rule.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({inner})", params)  # noqa: S608 - model metadata, values bound
        return cursor.rowcount


def retention_purge(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int = 20
) -> tuple[dict[str, int], bool]:
    """Delete expired rows of every rule, up to ``max_batches`` statements per rule;
    returns (deleted per rule, has_more)."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    has_more = False
    for rule in RULES:
        days = int(business_setting(rule.setting))
        deleted[rule.name] = 0
        if days <= 0:
            continue
        cutoff = now - timedelta(days=days)
        for _ in range(max_batches):
            count = _batch_delete(rule, cutoff, batch_size)
            deleted[rule.name] += count
            if count < batch_size:
                break
        else:
            has_more = True
    return deleted, has_more
