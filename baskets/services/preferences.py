"""Staff members' own choices for their pages: the basket grid's columns."""

from ..models import GridColumnChoice


def grid_columns_chosen(user) -> list[str] | None:
    """The grid columns ``user`` switched on, or None (never chosen: the default set)."""
    choice = GridColumnChoice.objects.filter(user_id=user.pk).values_list("columns", flat=True)
    return next(iter(choice), None)


def grid_columns_save(*, user, columns: list[str] | None) -> None:
    """Keep ``user``'s grid columns; None goes back to the default set."""
    if columns is None:
        GridColumnChoice.objects.filter(user_id=user.pk).delete()
        return
    GridColumnChoice.objects.update_or_create(user_id=user.pk, defaults={"columns": columns})
