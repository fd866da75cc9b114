"""/metrics (IN-4): Prometheus text, bearer token only, figures equal to the database's."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from baskets.models import Basket, OutboxEvent, Status
from operations.models import TaskRunCount
from operations.tasks import worker_heartbeat_task
from tests.support.factories import basket_in_status
from tests.support.servers import gunicorn_running
from tests.support.workers import broker_depth, broker_flush

TOKEN = "metrics-token-for-tests"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("configured", "header", "expected"),
    [
        ("", f"Bearer {TOKEN}", 404),
        (TOKEN, None, 401),
        (TOKEN, "Bearer wrong", 401),
        (TOKEN, f"Token {TOKEN}", 401),
        (TOKEN, f"Bearer {TOKEN}", 200),
    ],
    ids=["off", "no-header", "wrong-token", "wrong-scheme", "right-token"],
)
def test_metrics_answer_only_the_bearer_of_the_token(
    client, settings, configured, header, expected
):
    """SPEC: IN-4 — 404 when METRICS_TOKEN is empty, 401 without the right bearer token."""
    settings.METRICS_TOKEN = configured
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == expected


@pytest.mark.django_db
def test_the_figures_equal_what_the_database_and_broker_hold(client, settings):
    """SPEC: IN-4 LC-2 CB-4 — baskets per status, locked carts, failed completions, tasks
    (runs, failures, time taken), queue depth and the outbox backlog, read at scrape time."""
    settings.METRICS_TOKEN = TOKEN
    for status, count in [
        (Status.ACTIVE, 3),
        (Status.LOCKED, 2),
        (Status.AWAITING_COMPLETION, 1),
        (Status.COMPLETION_FAILED, 2),
    ]:
        for _ in range(count):
            basket_in_status(status)
    worker_heartbeat_task.apply()
    worker_heartbeat_task.apply()
    broker_flush()
    worker_heartbeat_task.delay()  # no worker runs: it waits in the queue

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    figures = samples(response.content.decode())
    for status in Status.values:
        expected = Basket.objects.filter(status=status).count()
        assert figures[("basketops_baskets", (("status", status),))] == expected
    assert figures[("basketops_locked_carts", ())] == 2
    assert figures[("basketops_completion_failed", ())] == 2
    task = "operations.tasks.worker_heartbeat_task"
    assert figures[("basketops_task_runs_total", (("task", task),))] == 2
    assert figures[("basketops_task_failures_total", (("task", task),))] == 0
    assert TaskRunCount.objects.get(task=task).runs == 2
    duration = (("task", task),)
    assert figures[("basketops_task_run_duration_seconds_count", duration)] == 2
    seconds = TaskRunCount.objects.get(task=task).seconds
    assert figures[("basketops_task_run_duration_seconds_sum", duration)] == seconds > 0
    depth = broker_depth("celery")
    assert figures[("basketops_queue_depth", (("queue", "celery"),))] == depth == 1
    undispatched = OutboxEvent.objects.filter(dispatched_at__isnull=True).count()
    # Locked: 1 change each; Awaiting: 1; Completion Failed: 2 changes and completion.failed.
    assert undispatched == 2 * 1 + 1 + 2 * 3
    assert figures[("basketops_outbox_undispatched_events", ())] == undispatched
    assert figures[("basketops_webhook_deliveries_pending", ())] == 0
    assert figures[("basketops_outbox_oldest_undelivered_age_seconds", ())] > 0
    broker_flush()


@pytest.mark.django_db(transaction=True)
def test_request_counts_add_up_across_gunicorn_workers(tmp_path):
    """SPEC: IN-4 — requests by view and status, summed over every gunicorn worker."""
    with gunicorn_running(tmp_path, workers=2, METRICS_TOKEN=TOKEN) as (base, _log):
        # Only this test asks /metrics without the token (the start-up check polls /healthz);
        # eight clients at once: a sync worker busy with one leaves the next to the other.
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda _: httpx.get(f"{base}/metrics").status_code, range(40)))
        text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
        pids = {path.name for path in (tmp_path / "prometheus").iterdir()}

    assert codes == [401] * 40
    refused = (
        "basketops_http_requests_total",
        (("method", "GET"), ("status", "401"), ("view", "metrics")),
    )
    assert samples(text)[refused] == 40
    assert len(pids) >= 2, "both workers should have written counters"
