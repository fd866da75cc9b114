import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.pg_admin import server_connection
from tooling import embedded_postgres

pytest_plugins = ["tests.support.fixtures"]


def pytest_sessionstart(session):
    """With no DATABASE_URL the suite runs on the embedded PostgreSQL, started here."""
    if not settings.DATABASE_URL:
        session.config._embedded_postgres_started = embedded_postgres.start(settings.DATA_DIR)


def pytest_collection_modifyitems(config, items):
    """Tests of the Redis broker itself run when REDIS_URL is set (CI always sets it); on
    the embedded filesystem broker they are reported as skipped, never silently passed."""
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        return
    skip = pytest.mark.skip(reason="needs the Redis broker: set REDIS_URL")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    if getattr(session.config, "_embedded_postgres_started", False):
        embedded_postgres.stop(settings.DATA_DIR)


@pytest.fixture(scope="session", autouse=True)
def end_other_sessions_before_teardown(django_db_setup):
    """Processes and server threads the tests started may keep connections to the test
    database; end them so pytest-django can drop it."""
    database = dict(connection.settings_dict)
    yield
    with server_connection() as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database["NAME"],),
        )


@pytest.fixture(autouse=True)
def content_types_read_afresh():
    """Content types made on first use (the live settings' admin page has one) are deleted
    when a transactional test empties the tables, while Django keeps their ids in a
    per-process cache: a later test writing an admin log entry would name a row that no
    longer exists. Each test reads them afresh."""
    ContentType.objects.clear_cache()


@pytest.fixture
def browser_page():
    """A page of a headless Chromium (the system browser), closed after the test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        yield page
        browser.close()
