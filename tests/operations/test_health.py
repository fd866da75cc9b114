"""/healthz and /readyz (IN-2), against real servers that go away and come back."""

import json
import shutil
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from operations.selectors import WORKER_CHECK_CACHE_KEY
from operations.services import worker_heartbeat_record
from tests.support.pg_admin import server_connection
from tests.support.servers import gunicorn_running, redis_server_running
from tests.support.workers import (
    celery_workers,
    wait_until,
    worker_start,
    worker_stop,
    workers_ready,
)

ALL_OK = {"database": "ok", "broker": "ok", "scheduler": "ok", "worker": "ok"}
# The whole answer when all is well (no read replica configured).
READY = {"status": "ok", "failing": [], "checks": ALL_OK, "replica": {"configured": False}}


@pytest.fixture(autouse=True)
def worker_check_forgotten():
    """Each test starts with no kept worker ping (this process's cache outlives a test)."""
    cache.delete(WORKER_CHECK_CACHE_KEY)
    yield
    cache.delete(WORKER_CHECK_CACHE_KEY)


def readyz(base: str) -> tuple[int, dict]:
    response = httpx.get(f"{base}/readyz", timeout=15)
    return response.status_code, response.json()


def database_connections(allowed: bool) -> None:
    """Let new connections into the test database, or not (existing ones stay)."""
    database = connection.settings_dict
    with server_connection() as admin:
        admin.execute(
            f'ALTER DATABASE "{database["NAME"]}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}'
        )


@pytest.mark.django_db
def test_healthz_answers_without_a_login_and_asks_nothing_else(client):
    """SPEC: IN-2 — liveness: the process answers, JSON."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_database_when_it_refuses_and_recovers(tmp_path):
    """SPEC: IN-2 — 503 naming database (and the scheduler it cannot read), 200 once back."""
    worker_heartbeat_record(name="scheduler")
    with (
        celery_workers(1),
        gunicorn_running(tmp_path, workers=1, CONN_MAX_AGE="0") as (base, _log),
    ):
        assert readyz(base) == (200, READY)
        database_connections(False)
        try:
            status, body = readyz(base)
        finally:
            database_connections(True)
        assert status == 503
        assert body["failing"] == ["database", "scheduler"]
        assert body["checks"]["database"] == "the database does not answer"
        assert "postgres" not in json.dumps(body)
        assert readyz(base)[0] == 200


# Its broker is a redis-server of its own, whatever broker the run uses: it runs wherever
# that program is (and always where the run's broker is Redis, as before).
@pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("redis://")
    and shutil.which("redis-server") is None,
    reason="needs the redis-server program (the test starts one of its own)",
)
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_broker_when_it_stops_and_recovers(tmp_path):
    """SPEC: IN-2 — a throwaway redis-server stopped: 503 broker (and worker); restarted: 200."""
    worker_heartbeat_record(name="scheduler")
    with redis_server_running() as (port, stop, restart):
        broker = f"redis://127.0.0.1:{port}/0"
        worker = worker_start("throwaway", CELERY_BROKER_URL=broker)
        try:
            with gunicorn_running(tmp_path, workers=1, CELERY_BROKER_URL=broker) as (base, _):
                wait_until(lambda: readyz(base)[0] == 200, timeout=60, message="never ready")
                stop()
                status, body = readyz(base)
                assert status == 503
                assert body["failing"] == ["broker", "worker"]
                assert "redis://" not in json.dumps(body)
                restart()
                wait_until(lambda: readyz(base)[0] == 200, timeout=90, message="not ready again")
        finally:
            worker_stop(worker)


@pytest.mark.worker
@pytest.mark.django_db
def test_readyz_names_the_scheduler_when_its_heartbeat_is_old(client, settings):
    """SPEC: IN-2 — no heartbeat for READYZ_HEARTBEAT_MAX_AGE: 503 scheduler only."""
    with time_machine.travel(timezone.now() - settings.READYZ_HEARTBEAT_MAX_AGE * 2):
        worker_heartbeat_record(name="scheduler")
    with celery_workers(1):
        workers_ready(1)
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["scheduler"]


@pytest.mark.worker
@pytest.mark.django_db
def test_readyz_keeps_a_worker_pings_answer_for_the_check_period(client, settings):
    """SPEC: IN-2 — "a worker seen recently": one ping per READYZ_WORKER_CHECK_SECONDS, so
    calling /readyz often (no login) cannot hold the web process in pings nobody answers;
    after the period the answer is asked again."""
    settings.READYZ_WORKER_CHECK_SECONDS = 30
    worker_heartbeat_record(name="scheduler")
    with celery_workers(1):
        workers_ready(1)
        assert client.get("/readyz").json() == READY
    # the worker is gone: within the period the answer it gave stands
    assert client.get("/readyz").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failing"] == ["worker"]
        assert response.json()["checks"]["worker"] == "no worker answered a ping"
        # ... and that answer is kept in turn
        assert cache.get(WORKER_CHECK_CACHE_KEY) == "no worker answered a ping"


@pytest.mark.django_db
def test_readyz_pings_on_every_call_when_the_period_is_zero(client, settings):
    """SPEC: IN-2 — READYZ_WORKER_CHECK_SECONDS=0 keeps nothing."""
    settings.READYZ_WORKER_CHECK_SECONDS = 0
    worker_heartbeat_record(name="scheduler")
    assert client.get("/readyz").json()["failing"] == ["worker"]
    assert cache.get(WORKER_CHECK_CACHE_KEY) is None
