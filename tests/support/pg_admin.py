"""A connection to the test database's server itself, as the tests' own user."""

import psycopg
from django.db import connection


def server_connection() -> psycopg.Connection:
    """The server's maintenance database (``postgres``), autocommitted: for what only the
    server can do (end sessions, refuse connections, make and drop databases). Use it in a
    ``with`` block; it closes at the end."""
    database = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        user=database.get("USER") or "postgres",
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or "127.0.0.1",
        port=database.get("PORT") or None,
        autocommit=True,
    )
