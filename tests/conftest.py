import psycopg
import pytest
from django.db import connection


@pytest.fixture(scope="session", autouse=True)
def end_other_sessions_before_teardown(django_db_setup):
    """Processes and server threads the tests started may keep connections to the test
    database; end them so pytest-django can drop it."""
    database = dict(connection.settings_dict)
    yield
    if connection.vendor != "postgresql":
        return
    with psycopg.connect(
        dbname="postgres", user=database.get("USER") or "postgres",
        host=database.get("HOST") or "127.0.0.1", port=database.get("PORT") or 5432,
        autocommit=True,
    ) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database["NAME"],),
        )


@pytest.fixture
def postgres():
    """Tests of locks and races need the real PostgreSQL."""
    assert connection.vendor == "postgresql", "run the suite with DATABASE_URL on PostgreSQL"
    return connection
