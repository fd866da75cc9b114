"""A database out of reach answers 503 with Retry-After (IN-2, API-3), against a real
gunicorn whose PostgreSQL connections are cut and refused, or that has no server at all."""

import json
import re

import httpx
import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections
from django.test import Client
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from basketops.outage import BODY, database_unreachable
from baskets.models import Basket, PaymentResult
from baskets.roles import roles_ensure
from baskets.services.api_clients import api_client_create
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory
from tests.support.pg_admin import server_connection
from tests.support.provider_fakes import stripe_signature
from tests.support.servers import free_port, gunicorn_running

RETRY_AFTER = "7"
# libpq names the web process's connections so, and only those are cut.
APPLICATION = "basketops-outage-test"
STRIPE_SECRET = "whsec_outage_test"
SERVER_ENV = {
    "DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS": RETRY_AFTER,
    "PGAPPNAME": APPLICATION,
    "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
    "STRIPE_API_KEY": "sk_test_outage",
}
WARNING = "database unreachable"


def _server_sql(statement: str, *params) -> None:
    """One statement on the test database's server, as its superuser."""
    with server_connection() as admin:
        admin.execute(statement, params)


def database_away() -> None:
    """What a PostgreSQL restart looks like to the web process: its open connections are
    ended by the server, and new ones are refused."""
    name = connection.settings_dict["NAME"]
    _server_sql(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    connections_cut()


def connections_cut() -> None:
    """The server ends the web process's connections (as a restart or failover does)."""
    _server_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        APPLICATION,
    )


def database_back() -> None:
    _server_sql(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" WITH ALLOW_CONNECTIONS true')


def stripe_notification(basket) -> tuple[bytes, dict]:
    event = {
        "id": "evt_outage0000000000000001",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": "pi_outage0001",
                "object": "payment_intent",
                "amount": 3980,
                "amount_received": 3980,
                "currency": "eur",
                "metadata": {"basket_guid": str(basket.guid)},
            }
        },
    }
    body = json.dumps(event).encode()
    headers = {
        "Stripe-Signature": stripe_signature(body, STRIPE_SECRET),
        "Content-Type": "application/json",
    }
    return body, headers


def requests_of_every_kind(base: str, basket, token: str, session: str) -> dict:
    """One request of each kind that needs the database, by name: (method, URL, options)."""
    api = {"Authorization": f"Token {token}"}
    body, stripe_headers = stripe_notification(basket)
    return {
        # First: the worker's persistent connection is found cut by the token fast read.
        "token status read": ("GET", f"{base}/api/baskets/{basket.guid}/status/", {"headers": api}),
        "token basket read": ("GET", f"{base}/api/baskets/{basket.guid}/", {"headers": api}),
        "API write": ("POST", f"{base}/api/baskets/", {"headers": api, "json": {}}),
        "admin page": ("GET", f"{base}/admin/baskets/basket/", {"cookies": {"sessionid": session}}),
        "shopper page": ("GET", f"{base}/basket/recover/{basket.guid}/", {}),
        "payment webhook": (
            "POST",
            f"{base}/hooks/stripe/",
            {"content": body, "headers": stripe_headers},
        ),
    }


JSON_KINDS = {"token status read", "token basket read", "API write", "payment webhook"}


def staff_session() -> str:
    """The session cookie of a System administrator signed in (stored in the database)."""
    browser = Client()
    browser.force_login(staff_user("System administrator"))
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


def answered_503(metrics_dir) -> dict[str, int]:
    """Requests the web process counted as 503, by view, from its prometheus_client files."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    return {
        sample.labels["view"]: int(sample.value)
        for family in registry.collect()
        if family.name == "basketops_http_requests"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["status"] == "503"
    }


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_answers_503_with_retry_after_then_recovers(tmp_path):
    """SPEC: IN-2, API-3 — while PostgreSQL ends the web process's connections and refuses
    new ones, every kind of request that needs it answers 503 with Retry-After (JSON
    ``{detail, code}`` for the API and the providers' webhooks, a plain page for people),
    each one warning line and counted as 503; /healthz still 200, /readyz 503; once the
    server is back the same worker answers 200 again."""
    basket = BasketFactory()
    roles_ensure(Group, Permission)  # the transactional flush removed the client groups
    token = api_client_create(name="outage-storefront", role="storefront")
    session = staff_session()
    with gunicorn_running(tmp_path, workers=1, **SERVER_ENV) as (base, log):
        status_url = f"{base}/api/baskets/{basket.guid}/status/"
        api = {"Authorization": f"Token {token}"}
        assert httpx.get(status_url, headers=api).status_code == 200
        database_away()
        try:
            answers = {
                kind: httpx.request(method, url, timeout=15, **options)
                for kind, (method, url, options) in requests_of_every_kind(
                    base, basket, token, session
                ).items()
            }
            healthz = httpx.get(f"{base}/healthz", timeout=15)
            readyz = httpx.get(f"{base}/readyz", timeout=15)
        finally:
            database_back()
        after = httpx.get(status_url, headers=api, timeout=15)
        text = log.read_text()
    assert {kind: answer.status_code for kind, answer in answers.items()} == dict.fromkeys(
        answers, 503
    )
    assert {kind: answer.headers.get("Retry-After") for kind, answer in answers.items()} == (
        dict.fromkeys(answers, RETRY_AFTER)
    )
    for kind in JSON_KINDS:
        assert answers[kind].json() == BODY, kind
    for kind in answers.keys() - JSON_KINDS:
        assert answers[kind].headers["Content-Type"].startswith("text/html"), kind
        assert "Briefly unavailable" in answers[kind].text, kind
        assert "Traceback" not in answers[kind].text, kind
    assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
    assert readyz.status_code == 503
    assert "database" in readyz.json()["failing"]
    assert after.status_code == 200
    assert after.json()["guid"] == str(basket.guid)
    # nothing was written: no basket made, no payment recorded
    assert list(Basket.objects.values_list("guid", flat=True)) == [basket.guid]
    assert PaymentResult.objects.count() == 0
    # one warning line per 503, no traceback, no error line but /readyz's own (as before)
    assert len(re.findall(WARNING, text)) == len(answers)
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert errors == [line for line in errors if line.endswith("Service Unavailable: /readyz")]
    # each answer, and /readyz's own 503
    assert answered_503(tmp_path / "prometheus") == {
        "api:basket-status": 1,
        "api:basket-detail": 1,
        "api:basket-list": 1,
        "admin:baskets_basket_changelist": 1,
        "recovery:recover": 1,
        "provider-notification": 1,
        "readyz": 1,
    }


@pytest.mark.django_db(transaction=True)
def test_the_token_read_opens_a_new_connection_after_its_own_was_cut(tmp_path):
    """SPEC: IN-2 — the fast read's persistent connection ended by the server (a restart):
    that read answers 503, and the next one reaches the server again on a new connection
    instead of failing on the dead one until CONN_MAX_AGE runs out."""
    basket = BasketFactory()
    roles_ensure(Group, Permission)
    api = {"Authorization": f"Token {api_client_create(name='poller', role='status')}"}
    with gunicorn_running(tmp_path, workers=1, **SERVER_ENV) as (base, _log):
        url = f"{base}/api/baskets/{basket.guid}/status/"
        before = httpx.get(url, headers=api, timeout=15).status_code
        connections_cut()
        statuses = [httpx.get(url, headers=api, timeout=15).status_code for _ in range(3)]
    assert (before, statuses) == (200, [503, 200, 200])


@pytest.fixture
def database_without_tables():
    """The URL of an empty database on the test server: it answers, but every query fails."""
    database = connection.settings_dict
    name = f"{database['NAME']}_without_tables"
    _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _server_sql(f'CREATE DATABASE "{name}"')
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    yield f"postgres://{database.get('USER') or 'postgres'}@{host}:{port}/{name}"
    _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _answers_without_a_database_behind(base: str) -> dict:
    api = {"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"}
    guid = "5f0c3a52-8d1e-4f3b-9a57-6b2a4f1c9e10"
    requests = {
        "token status read": ("GET", f"{base}/api/baskets/{guid}/status/", {"headers": api}),
        "API write": ("POST", f"{base}/api/baskets/", {"headers": api, "json": {}}),
        # a staff member's session cookie: the session is looked up in the database
        "admin page": ("GET", f"{base}/admin/", {"cookies": {"sessionid": "x" * 32}}),
    }
    return {
        kind: httpx.request(method, url, timeout=15, **options)
        for kind, (method, url, options) in requests.items()
    }


def test_no_server_listening_answers_503_with_retry_after(tmp_path):
    """SPEC: IN-2, API-3 — DATABASE_URL names a port where nothing listens (connection
    refused): 503 with Retry-After, the process itself alive (/healthz 200, /readyz 503)."""
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/basketops"
    with gunicorn_running(tmp_path, workers=1, **SERVER_ENV, DATABASE_URL=nowhere) as (base, log):
        answers = _answers_without_a_database_behind(base)
        healthz = httpx.get(f"{base}/healthz", timeout=15)
        readyz = httpx.get(f"{base}/readyz", timeout=15)
        text = log.read_text()
    assert {
        kind: (answer.status_code, answer.headers.get("Retry-After"))
        for kind, answer in answers.items()
    } == dict.fromkeys(answers, (503, RETRY_AFTER))
    assert answers["token status read"].json() == BODY
    assert answers["API write"].json() == BODY
    assert "Briefly unavailable" in answers["admin page"].text
    assert (healthz.status_code, readyz.status_code) == (200, 503)
    assert len(re.findall(WARNING, text)) == len(answers)
    assert "Traceback" not in text


@pytest.mark.django_db
def test_another_database_error_stays_a_500(tmp_path, database_without_tables):
    """SPEC: API-3 — a database that answers but fails the query (here: no tables) is no
    outage: 500 as before, no Retry-After, logged as an error with its traceback."""
    with gunicorn_running(
        tmp_path, workers=1, **SERVER_ENV, DATABASE_URL=database_without_tables
    ) as (base, log):
        answers = _answers_without_a_database_behind(base)
        text = log.read_text()
    assert {
        kind: (answer.status_code, answer.headers.get("Retry-After"))
        for kind, answer in answers.items()
    } == dict.fromkeys(answers, (500, None))
    assert WARNING not in text
    assert text.count("UndefinedTable") >= len(answers)


def _raised(action) -> BaseException:
    try:
        action()
    except Exception as error:  # noqa: BLE001 (the error is what the case is about)
        return error
    raise AssertionError("nothing raised")


def _server(**options) -> psycopg.Connection:
    database = connection.settings_dict
    return psycopg.connect(
        dbname=database["NAME"],
        user=database.get("USER") or "postgres",
        host=database.get("HOST") or "127.0.0.1",
        port=database.get("PORT") or None,
        autocommit=True,
        **options,
    )


def _refused():
    psycopg.connect(host="127.0.0.1", port=free_port(), user="postgres", dbname="basketops")


def _refused_through_django():
    # A second wrapper of the default database's settings, on a port where nothing listens.
    default = connections["default"]
    wrapper = type(default)({**default.settings_dict, "PORT": free_port()}, "default")
    wrapper.ensure_connection()


def _ended_by_the_server():
    with _server() as conn:
        conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def _used_after_it_was_lost():
    conn = _server()
    _raised(lambda: conn.execute("SELECT pg_terminate_backend(pg_backend_pid())"))
    conn.execute("SELECT 1")


def _statement_timeout():
    with _server() as conn:
        conn.execute("SET statement_timeout = 10")
        conn.execute("SELECT pg_sleep(1)")


def _missing_table():
    with _server() as conn:
        conn.execute("SELECT * FROM no_such_table")


def _duplicate_key():
    with _server() as conn:
        conn.execute("CREATE TEMPORARY TABLE twice (id int PRIMARY KEY)")
        conn.execute("INSERT INTO twice VALUES (1), (1)")


def _closed_cursor():
    with _server() as conn:
        cursor = conn.cursor()
        cursor.close()
        cursor.execute("SELECT 1")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "outage"),
    [
        pytest.param(_refused, True, id="connection refused"),
        pytest.param(_refused_through_django, True, id="refused, as Django raises it"),
        pytest.param(_ended_by_the_server, True, id="connection ended by the server"),
        pytest.param(_used_after_it_was_lost, True, id="connection used after it was lost"),
        pytest.param(_statement_timeout, False, id="statement timeout"),
        pytest.param(_missing_table, False, id="missing table"),
        pytest.param(_duplicate_key, False, id="duplicate key"),
        pytest.param(_closed_cursor, False, id="closed cursor, connection fine"),
    ],
)
def test_which_database_errors_are_an_outage(action, outage):
    """SPEC: API-3 — only a connection that cannot be made or was lost is an outage (503);
    an error of the statement, even an OperationalError such as a timeout, is not."""
    assert database_unreachable(_raised(action)) is outage


@pytest.mark.django_db
def test_the_schema_documents_503_with_retry_after_on_every_operation(client):
    """SPEC: API-3 — every operation may answer 503 ``{detail, code}`` with Retry-After."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answers = {
        (method, path): operation["responses"].get("503")
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert len(answers) > 20
    for operation, answer in answers.items():
        assert answer is not None, operation
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, operation
        assert set(answer["headers"]) == {"Retry-After"}, operation
