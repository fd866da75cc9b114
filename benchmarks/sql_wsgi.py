"""The polling workload's second limit: each poll answered from the product's own statement,
and nothing else.

A WSGI app with no Django request handling, no middleware and no checks: it takes the GUID
from the path and the key from the ``Authorization`` header, runs the token read's one
statement (``baskets.api.fast_reads.read_sql``, the status or the full read, prepared, on
one persistent connection per worker, rows in binary as the product reads them) and answers
the row as JSON. Served by gunicorn with the same settings as the product, it shows what
any server that reads a basket from this PostgreSQL for every poll can do on this machine:
the database round trip the product cannot avoid, with none of the product's own work.
Django is set up once, at import, only to build the statement and find the database.
"""

import json
import os

import django
import psycopg
from psycopg.rows import dict_row

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
django.setup()

from django.conf import settings  # noqa: E402 (after setup)

from baskets.api.fast_reads import read_sql  # noqa: E402

STATEMENTS = {False: read_sql(full=False, token=True), True: read_sql(full=True, token=True)}
HEADERS = [("Content-Type", "application/json")]
_connection: psycopg.Connection | None = None


def _connect() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        database = settings.DATABASES["default"]
        _connection = psycopg.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname=database["NAME"],
            autocommit=True,
        )
    return _connection


def application(environ, start_response):
    # /api/baskets/<guid>/status/ or /api/baskets/<guid>/
    parts = environ["PATH_INFO"].strip("/").split("/")
    full = len(parts) == 3
    key = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[2]
    with _connect().cursor(row_factory=dict_row) as cursor:
        cursor.execute(STATEMENTS[full], {"guid": parts[2], "key": key}, prepare=True, binary=True)
        row = cursor.fetchone()
    body = json.dumps(row, default=str, separators=(",", ":")).encode()
    start_response("200 OK", [*HEADERS, ("Content-Length", str(len(body)))])
    return [body]
