"""Set-based loading of many rows: COPY on PostgreSQL, batched executemany elsewhere.

Used by ``seed_demo`` and ``bench``; it writes exactly the columns it is given, with
explicit primary keys, and resets the id sequences afterwards.
"""

from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models

SQLITE_BATCH = 2_000


def _converters(model: type[models.Model], columns: Sequence[str]):
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return [
            (lambda value: None if value is None else Jsonb(value))
            if isinstance(field, models.JSONField)
            else None
            for field in fields
        ]
    return [
        (lambda value, field=field: field.get_db_prep_value(value, connection, prepared=False))
        for field in fields
    ]


def bulk_load(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``model``'s table; returns the count."""
    table = model._meta.db_table
    db_columns = [model._meta.get_field(name).column for name in columns]
    converters = _converters(model, columns)
    active = [(index, convert) for index, convert in enumerate(converters) if convert is not None]

    def prepared(row: Sequence) -> Sequence:
        if not active:
            return row
        row = list(row)
        for index, convert in active:
            row[index] = convert(row[index])
        return row

    count = 0
    quoted = ", ".join(connection.ops.quote_name(column) for column in db_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(db_columns))
        # Table and column names come from the model's metadata, quoted; values are bound.
        statement = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608, E501
        batch: list[Sequence] = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) >= SQLITE_BATCH:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
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
