"""Reads of completion triage that more than one caller needs (CB-4)."""

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from baskets.models import Basket, Status

from .models import CompletionFailureClosure
from .services.orders_sql import PROBLEM_SQL, WITHDRAWN_SUFFIX


def now_completable() -> RawSQL:
    """CB-4, per basket row: its failure was the shop's data (a withdrawn product) and the
    shop has made it available again, so it would complete now ("would now succeed")."""
    # PROBLEM_SQL reads ``basket``: asked of the outer row. Names are the models' own
    # tables; the one parameter is the failure's text.
    table = Basket._meta.db_table
    return RawSQL(  # noqa: S611 (the models' table names; the one value is a parameter)
        f'("{table}"."last_error" LIKE %s AND (SELECT ({PROBLEM_SQL}) IS NULL '  # noqa: S608
        f'FROM {table} AS basket WHERE basket.id = "{table}"."id"))',
        ["%" + WITHDRAWN_SUFFIX],
        output_field=BooleanField(),
    )


def completion_failed_open() -> QuerySet:
    """Completion Failed baskets staff have not closed."""
    return Basket.objects.filter(status=Status.COMPLETION_FAILED).exclude(
        pk__in=CompletionFailureClosure.objects.values("basket_id")
    )


def completion_failed_now_completable_ids(basket_ids: list[int] | None = None) -> list[int]:
    """The open Completion Failed baskets that would now succeed (of ``basket_ids``)."""
    baskets = completion_failed_open().alias(ready=now_completable()).filter(ready=True)
    if basket_ids is not None:
        baskets = baskets.filter(pk__in=basket_ids)
    return list(baskets.order_by("pk").values_list("pk", flat=True))
