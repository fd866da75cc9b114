"""SC-5: the read-only pages read a real streaming replica while it is recent, and the
primary otherwise; nothing is ever written to it.

The module makes its own primary and replica (``pg_basebackup``, tests/support/replica.py)
and points Django's ``default`` connection at that primary for its tests, so that what the
tests write is what the replica replays.
"""

import csv
import io
import time
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abandonment.models import Abandonment, AbandonReport, ReportStatus
from abandonment.services.reports import abandon_report_build, abandon_report_request
from basketops import reads
from baskets.roles import roles_ensure
from baskets.services.actors import Actor
from tests.support.factories import BasketFactory, UserFactory
from tests.support.replica import free_port, replicated_server

GRID = "/admin/baskets/basket/"
ANALYTICS = "/admin/abandonment/abandonment/analytics/"
FUNNEL = "/admin/baskets/basket/funnel/"
TOKEN = "metrics-token-for-replica-tests"


@pytest.fixture(scope="module")
def replicated(django_db_blocker):
    """Django's ``default`` on a primary made for this module, ``replica`` on its standby
    (new connection objects: nothing cached about the suite's own server carries over)."""
    with replicated_server("basketops") as server, django_db_blocker.unblock():
        original = connections["default"]
        primary = {
            **original.settings_dict,
            "NAME": "basketops", "HOST": "127.0.0.1", "PORT": str(server.primary_port),
            "USER": "postgres", "PASSWORD": "",
        }  # fmt: skip
        replica = {**primary, "PORT": str(server.replica_port), "TEST": {"MIRROR": "default"}}
        connections["default"] = DatabaseWrapper(primary, "default")
        connections["replica"] = DatabaseWrapper(replica, "replica")
        settings.DATABASES["replica"] = replica
        try:
            call_command("migrate", verbosity=0, interactive=False)
            roles_ensure(Group, Permission)
            yield server
        finally:
            for alias in ("replica", "default"):
                connections[alias].close()
            del connections["replica"]
            settings.DATABASES.pop("replica", None)
            connections["default"] = original
            reads.lag_forget()


def wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)
    return value


class Replay:
    def __init__(self, server):
        self.server = server

    def caught_up(self) -> None:
        wait_for(lambda: reads.replica_lag_measure() == 0.0, "the replica to catch up")

    def pause(self) -> None:
        """Everything written so far is replayed; nothing written from now on is."""
        self.caught_up()
        self.server.replica_sql("SELECT pg_wal_replay_pause()")
        wait_for(
            lambda: (
                self.server.replica_sql("SELECT pg_get_wal_replay_pause_state()")[0] == "paused"
            ),
            "the replay to pause",
        )


@pytest.fixture
def replay(replicated):
    """Pauses the replica's replay on demand; resumed after the test."""
    yield Replay(replicated)
    replicated.replica_sql("SELECT pg_wal_replay_resume()")
    reads.lag_forget()


@pytest.fixture
def staff(client, replicated):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def grid_guids(client) -> set[str]:
    response = client.get(f"{GRID}?scope=all")
    assert response.status_code == 200
    return {str(basket.guid) for basket in response.context["cl"].result_list}


def export_guids(client) -> set[str]:
    response = client.get(f"{GRID}export/?scope=all")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {row[6] for row in rows[1:]}


def replica_statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connections["replica"]) as captured:
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_grid_and_export_read_the_replica_while_its_lag_is_under_the_limit(staff, replay, settings):
    """SPEC: SC-5 — with the replay paused but the replica recent enough, a basket written
    since is in neither the grid nor the export: both read the replica (and only read), as
    do the checkout funnel and the abandonment analytics."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    replicated_before = str(BasketFactory().guid)
    replay.pause()
    written_since = str(BasketFactory().guid)
    reads.lag_forget()

    assert reads.reading_alias() == reads.REPLICA
    grid, export = grid_guids(staff), export_guids(staff)
    assert replicated_before in grid and replicated_before in export
    assert written_since not in grid and written_since not in export
    statements = replica_statements(staff, f"{GRID}?scope=all")
    assert statements, "the grid sent nothing to the replica"
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in statements), statements
    funnel = replica_statements(staff, FUNNEL)
    assert any("baskets_basket" in sql for sql in funnel), funnel
    assert all(sql.lstrip().upper().startswith("SELECT") for sql in funnel), funnel
    analytics = replica_statements(staff, ANALYTICS)
    assert any("abandonment_abandonment" in sql for sql in analytics), analytics
    assert all(sql.lstrip().upper().startswith(("SELECT", "WITH")) for sql in analytics)


def test_grid_and_export_read_the_primary_when_the_replay_is_paused_beyond_the_limit(
    staff, replay, settings
):
    """SPEC: SC-5 — once the paused replica is more than REPLICA_MAX_LAG_SECONDS behind,
    the grid and the export show what only the primary has; /readyz and /metrics say so."""
    settings.REPLICA_MAX_LAG_SECONDS = 1
    settings.METRICS_TOKEN = TOKEN
    replay.pause()
    written_since = str(BasketFactory().guid)
    wait_for(lambda: (reads.replica_lag_measure() or 0) > 1, "the lag to pass the limit")
    reads.lag_forget()

    assert reads.reading_alias() == reads.PRIMARY
    with CaptureQueriesContext(connections["replica"]) as captured:
        assert written_since in grid_guids(staff)
        assert written_since in export_guids(staff)
    # Only the lag is asked of the replica.
    assert all("pg_is_in_recovery" in query["sql"] for query in captured.captured_queries)
    ready = staff.get("/readyz").json()["replica"]
    assert ready["configured"] is True and ready["in_use"] is False
    assert ready["lag_seconds"] >= 1
    metrics = staff.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert "basketops_replica_in_use 0.0" in metrics
    lag_line = next(
        line for line in metrics.splitlines() if line.startswith("basketops_replica_lag_seconds")
    )
    assert float(lag_line.split()[-1]) >= 1


def test_a_grid_action_reads_and_writes_the_primary_while_the_grid_reads_the_replica(
    staff, replay, settings
):
    """SPEC: SC-5 — a basket only the primary has yet (the replay is paused) is found by the
    grid's delete action: the action's deciding read and its write stay on the primary."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    replay.pause()
    only_on_primary = BasketFactory()
    reads.lag_forget()
    assert reads.reading_alias() == reads.REPLICA
    assert str(only_on_primary.guid) not in grid_guids(staff)

    with CaptureQueriesContext(connections["replica"]) as captured:
        response = staff.post(
            f"{GRID}?scope=all",
            {
                "action": "delete_baskets",
                "_selected_action": [only_on_primary.pk],
                "confirmed": "yes",
                "reason": "test",
            },
        )
    assert response.status_code == 302
    assert captured.captured_queries == []
    # The action found the basket (only the primary has it) and queued its deletion.
    shown = staff.get(response.url)
    assert "Delete baskets: 1 basket(s), in the background" in " ".join(
        str(m) for m in shown.context["messages"]
    )


def abandonment_on(day: date, product_id: str) -> None:
    at = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=10)
    Abandonment.objects.create(
        basket_guid=uuid.uuid4(),
        captured_at=at,
        last_activity_at=at,
        total="10.00",
        currency="EUR",
        lines=[{"product_id": product_id, "variant_id": "", "quantity": 1, "unit_price": "10"}],
    )


def test_an_abandon_report_reads_its_rows_from_the_replica_and_records_on_the_primary(
    replay, settings
):
    """SPEC: SC-5 AB-3 — the report's rows come from the (recent) replica: an abandonment
    captured after the replay paused is not in it; the report's own row is claimed and
    finished on the primary."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    day = date(2026, 3, 10)
    abandonment_on(day, "REPLAYED")
    replay.pause()
    abandonment_on(day, "NOT-YET-REPLAYED")
    reads.lag_forget()
    report = abandon_report_request(actor=Actor.system("test"), date_from=day, date_to=day)

    built = abandon_report_build(report_id=report.pk)

    assert built.status == ReportStatus.DONE
    assert (built.baskets_total, built.rows_written) == (2, 1)
    assert not AbandonReport.objects.using("replica").filter(pk=report.pk).exists()


def test_the_lag_is_zero_when_the_replica_has_replayed_everything(replicated, settings):
    """SPEC: SC-5 — a replica that has replayed all the primary wrote has no lag and is read,
    however long ago the last write was."""
    BasketFactory()
    settings.REPLICA_MAX_LAG_SECONDS = 0.001
    wait_for(lambda: reads.replica_lag_measure() == 0.0, "the replica to catch up")
    reads.lag_forget()
    assert reads.reading_alias() == reads.REPLICA


def test_a_replica_that_does_not_answer_sends_the_reads_to_the_primary(staff, replicated):
    """SPEC: SC-5 — a replica that is away has no lag: the grid reads the primary, and
    /readyz says the replica is not in use (the product stays ready)."""
    replica = connections["replica"]
    port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = str(free_port())
    reads.lag_forget()
    try:
        written = str(BasketFactory().guid)
        assert reads.replica_lag_measure() is None
        assert reads.reading_alias() == reads.PRIMARY
        assert written in grid_guids(staff)
        assert staff.get("/readyz").json()["replica"] == {
            "configured": True,
            "lag_seconds": None,
            "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS,
            "in_use": False,
        }
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port
        reads.lag_forget()
