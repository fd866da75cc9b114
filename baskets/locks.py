"""Row locks in one place, always in the same order: lines before baskets, by primary key.

Every helper evaluates at once inside the caller's transaction.
"""

from collections.abc import Iterable

from .exceptions import BasketNotFound
from .models import Basket, Line


def basket_lock_row(basket_id: int) -> Basket:
    """Lock one basket row (SELECT ... FOR UPDATE) and return it fresh from the database."""
    basket = (
        Basket.objects.select_for_update(of=("self",)).filter(pk=basket_id).order_by("pk").first()
    )
    if basket is None:
        raise BasketNotFound(f"Basket {basket_id} does not exist.", basket_id=basket_id)
    return basket


def basket_lock_rows(basket_ids: Iterable[int], *, fields: tuple[str, ...] = ()) -> list[Basket]:
    """Lock several basket rows in primary-key order, so two callers never deadlock.

    ``fields`` loads only those columns, for batches that need just a few."""
    queryset = Basket.objects.select_for_update(of=("self",)).filter(pk__in=list(basket_ids))
    if fields:
        queryset = queryset.only(*fields)
    return list(queryset.order_by("pk"))


def lines_lock_for_baskets(basket_ids: Iterable[int], *, load: bool = True) -> list[Line]:
    """Lock every line of several baskets, in primary-key order (before their baskets).

    With ``load=False`` only the ids come back (the rows are locked all the same)."""
    queryset = Line.objects.select_for_update(of=("self",)).filter(basket_id__in=list(basket_ids))
    if not load:
        queryset = queryset.only("id", "basket_id")
    return list(queryset.order_by("pk"))


def basket_lock_with_lines(basket_id: int) -> tuple[Basket, list[Line]]:
    """Lock a basket's lines, then the basket (the fixed order used everywhere)."""
    lines = list(
        Line.objects.select_for_update(of=("self",)).filter(basket_id=basket_id).order_by("pk")
    )
    return basket_lock_row(basket_id), lines
