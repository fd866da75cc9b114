"""The bench's own database: derived from ``DATABASE_URL``, marked, migrated, dropped.

A database is dropped only when it carries the bench's marker comment, so a name clash
with a real database ends in a clear error instead of lost data.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
MARKER = "basketops bench database: dropped and recreated by manage.py bench"


def source_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise CommandError(
            "manage.py bench measures a PostgreSQL server of your choice: set DATABASE_URL "
            "(the bench makes its own database there and never touches yours), e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/basketops"
        )
    return url


def bench_database_name(source_url: str, override: str | None = None) -> str:
    source_name = urlsplit(source_url).path.lstrip("/")
    name = override or f"{source_name}_bench"
    if name == source_name:
        raise CommandError(f"The bench database must not be the product's own ({name}).")
    if not name.replace("_", "").isalnum() or len(name) > 63:
        raise CommandError(f"Bench database name {name!r}: letters, digits and _ only (<= 63).")
    return name


def database_url_for(source_url: str, name: str) -> str:
    parts = urlsplit(source_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _server_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, with the product's credentials."""
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _marker_of(cursor, name: str) -> str | None:
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] or ""


def bench_database_drop(name: str) -> None:
    """Drop the bench database if it exists and is ours (carries the marker)."""
    with _server_connection() as conn, conn.cursor() as cursor:
        marker = _marker_of(cursor, name)
        if marker is None:
            return
        if marker != MARKER:
            raise CommandError(
                f"Database {name} exists and was not made by manage.py bench; it is left "
                "alone. Choose another name with --bench-database."
            )
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def bench_database_create(name: str) -> None:
    """Drop (if ours) and create the bench database, marked as the bench's."""
    bench_database_drop(name)
    with _server_connection() as conn, conn.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        cursor.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(MARKER)
            )
        )


def child_env(bench_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = bench_url
    env.update(extra)
    return env


def bench_database_migrate(bench_url: str, *, stdout, stderr) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=child_env(bench_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        stderr.write(result.stdout + result.stderr)
        raise CommandError("Migrating the bench database failed (output above).")
