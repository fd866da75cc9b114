import pytest
from django.db import connection


@pytest.fixture(scope="session", autouse=True)
def end_other_sessions_before_teardown(django_db_setup, django_db_blocker):
    """Processes and server threads the tests started may keep connections to the test
    database; end them so it can be dropped."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def postgres():
    """Tests of locks and races need the real PostgreSQL."""
    assert connection.vendor == "postgresql", "run the suite with DATABASE_URL on PostgreSQL"
    return connection
