"""SQL statements composed with ``psycopg.sql``: table names come from the models' metadata,
never typed, and values are always bound parameters."""

from django.db import models
from psycopg import sql


def table(model: type[models.Model]) -> sql.Identifier:
    """The quoted table name of ``model``."""
    return sql.Identifier(model._meta.db_table)


def statement_text(statement: sql.Composable) -> str:
    """The statement as the text a cursor runs, its ``%(name)s`` placeholders kept; compose
    once (a module constant or a cached function), run many times."""
    return statement.as_string(None)
