"""Row locks in one place, always in the same order: lines before baskets, baskets before
gift cards, each by primary key.

Every helper evaluates at once inside the caller's transaction.
"""

from collections.abc import Iterable
from functools import cache

from django.db import connection
from psycopg import sql

from .exceptions import BasketNotFound
from .models import Basket, GiftCard, Line
from .statements import statement_text, table


def ids_array(ids: Iterable[int]) -> str:
    """A PostgreSQL array literal of ids, to bind as ``%(ids)s::bigint[]``.

    One string quotes much faster than a list adapted element by element, which counts for
    batches of hundreds of ids."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def text_array(values: Iterable[str]) -> str:
    """A PostgreSQL array literal of strings, to bind as ``%(name)s::text[]``."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


def basket_lock_row(basket_id: int) -> Basket:
    """Lock one basket row (SELECT ... FOR UPDATE) and return it fresh from the database."""
    basket = (
        Basket.objects.select_for_update(of=("self",)).filter(pk=basket_id).order_by("pk").first()
    )
    if basket is None:
        raise BasketNotFound(f"Basket {basket_id} does not exist.", basket_id=basket_id)
    return basket


def basket_lock_with_lines(basket_id: int) -> tuple[Basket, list[Line]]:
    """Lock a basket's lines, then the basket (the fixed order used everywhere)."""
    lines = list(
        Line.objects.select_for_update(of=("self",)).filter(basket_id=basket_id).order_by("pk")
    )
    return basket_lock_row(basket_id), lines


# Lines, then baskets, each in primary-key order, in one statement. The lines' CTE is
# materialised and read by a one-time filter of the baskets' scan, so every line is locked
# before the first basket is; the baskets are then locked in the order of their sort.
BATCH_LOCK = sql.SQL(
    """
WITH locked_lines AS MATERIALIZED (
    SELECT line.id FROM {line} AS line
    WHERE line.basket_id = ANY(%(ids)s::bigint[])
    ORDER BY line.id
    FOR UPDATE OF line
)
SELECT {columns}
FROM {basket} AS basket
WHERE basket.id = ANY(%(ids)s::bigint[]) AND (SELECT count(*) FROM locked_lines) >= 0
ORDER BY basket.id
FOR UPDATE OF basket
"""
)
BASKET_STATUS = sql.SQL("basket.id, basket.status")


@cache
def _batch_lock_sql(columns: str) -> str:
    return statement_text(
        BATCH_LOCK.format(columns=sql.SQL(columns), line=table(Line), basket=table(Basket))
    )


def batch_lock_sql(columns: sql.Composable) -> str:
    """The batch lock returning ``columns`` (SQL over ``basket``), composed once per columns."""
    return _batch_lock_sql(statement_text(columns))


def baskets_lock_with_lines(
    basket_ids: Iterable[int], *, columns: sql.Composable = BASKET_STATUS
) -> list[tuple]:
    """Lock the lines of several baskets, then the baskets, in one round trip (the fixed order
    used everywhere). Returns ``columns``, SQL over ``basket``, of each basket, by id; the
    lines are locked, not loaded."""
    ids = ids_array(basket_ids)
    with connection.cursor() as cursor:
        cursor.execute(batch_lock_sql(columns), {"ids": ids})
        return cursor.fetchall()


def gift_cards_lock(codes: Iterable[str]) -> dict[str, GiftCard]:
    """Lock gift cards by code, in code (primary-key) order, after the basket they serve
    (the fixed order: lines, basket, gift cards). Unknown codes are left out."""
    cards = GiftCard.objects.select_for_update(of=("self",)).filter(code__in=list(codes))
    return {card.code: card for card in cards.order_by("pk")}
