"""Set-based loading of many rows with COPY.

Used by ``seed_demo`` and ``bench``; it writes exactly the columns it is given, with
explicit primary keys, and resets the id sequences afterwards.
"""

from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models
from psycopg.types.json import Jsonb


def _json_columns(model: type[models.Model], columns: Sequence[str]) -> list[int]:
    return [
        index
        for index, name in enumerate(columns)
        if isinstance(model._meta.get_field(name), models.JSONField)
    ]


def bulk_load(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``model``'s table; returns the count."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in columns
    )
    json_columns = _json_columns(model, columns)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_columns:
                row = list(row)
                for index in json_columns:
                    row[index] = None if row[index] is None else Jsonb(row[index])
            copy.write_row(row)
            count += 1
    return count


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of an integer-keyed table."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def sequences_reset(*model_classes: type[models.Model]) -> None:
    """After explicit ids, move each id sequence past the largest id."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
