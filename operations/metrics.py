"""Prometheus figures (IN-4).

Request counts come from the web processes through prometheus_client's multi-process mode:
each gunicorn worker writes its counters to files under ``PROMETHEUS_MULTIPROC_DIR`` and a
scrape of any worker adds them all up, so the figures are right however many workers
gunicorn runs. Everything else is read at scrape time: task runs from the database (they
happen in worker processes on other machines), queue depth from the broker, and the
basket and outbox figures from the database, so every web process reports the same.
"""

import functools
import os

from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from basketops.celery import app
from basketops.reads import REPLICA, reading_alias, replica_configured, replica_lag
from baskets.selectors import basket_lifetime_deleted_totals, basket_lifetime_run_latest
from webhooks.selectors import outbox_backlog_get

from .selectors import basket_status_counts, queue_depth_get, task_run_list

REQUESTS = Counter(
    "basketops_http_requests",
    "HTTP requests answered, by view, method and status code.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "basketops_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@functools.cache
def _request_series(view: str, method: str, status: int):
    """The counter and histogram of one (view, method, status): made once per process, as
    ``labels`` checks and looks up its arguments at every call (the API's hot reads answer
    thousands of times a second; the combinations are few: views, methods, status codes)."""
    return (
        REQUESTS.labels(view=view, method=method, status=str(status)),
        REQUEST_SECONDS.labels(view=view),
    )


def request_observe(*, view: str, method: str, status: int, seconds: float) -> None:
    requests, durations = _request_series(view, method, status)
    requests.inc()
    durations.observe(seconds)


class DatabaseCollector:
    """Figures read from the database and the broker at each scrape."""

    def collect(self):
        statuses = basket_status_counts()
        baskets = GaugeMetricFamily("basketops_baskets", "Baskets by status.", labels=["status"])
        for status, count in sorted(statuses.items()):
            baskets.add_metric([status], count)
        yield baskets
        yield GaugeMetricFamily(
            "basketops_locked_carts", "Baskets Locked (LC-2).", value=statuses["locked"]
        )
        yield GaugeMetricFamily(
            "basketops_completion_failed",
            "Baskets in Completion Failed (CB-4).",
            value=statuses["completion_failed"],
        )
        runs = CounterMetricFamily(
            "basketops_task_runs", "Celery task runs, by task.", labels=["task"]
        )
        failures = CounterMetricFamily(
            "basketops_task_failures", "Celery task runs that raised, by task.", labels=["task"]
        )
        durations = SummaryMetricFamily(
            "basketops_task_run_duration_seconds",
            "Time Celery task runs took, by task (count and sum of seconds).",
            labels=["task"],
        )
        for task, run_count, failure_count, seconds in task_run_list():
            runs.add_metric([task], run_count)
            failures.add_metric([task], failure_count)
            durations.add_metric([task], count_value=run_count, sum_value=seconds)
        yield runs
        yield failures
        yield durations
        depth = queue_depth_get()
        if depth is not None:
            queue_depth = GaugeMetricFamily(
                "basketops_queue_depth", "Task messages waiting in the broker.", labels=["queue"]
            )
            queue_depth.add_metric([app.conf.task_default_queue], depth)
            yield queue_depth
        if replica_configured():
            lag = replica_lag()
            yield GaugeMetricFamily(
                "basketops_replica_lag_seconds",
                "Replay lag of the read replica (-1 when it does not answer or replay).",
                value=-1 if lag is None else lag,
            )
            yield GaugeMetricFamily(
                "basketops_replica_in_use",
                "1 when the read-only pages read from the replica, 0 when from the primary.",
                value=int(reading_alias() == REPLICA),
            )
        backlog = outbox_backlog_get()
        yield GaugeMetricFamily(
            "basketops_outbox_undispatched_events",
            "Outbox events not yet handed to the webhook endpoints.",
            value=backlog["undispatched"],
        )
        yield GaugeMetricFamily(
            "basketops_webhook_deliveries_pending",
            "Webhook deliveries waiting for a (next) attempt.",
            value=backlog["pending"],
        )
        yield from _lifetime_figures()
        oldest = backlog["oldest_undelivered_at"]
        yield GaugeMetricFamily(
            "basketops_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest event not yet delivered to every endpoint (0 when none).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0,
        )


def _lifetime_figures():
    """PV-4: what the basket lifetime job deleted, and how far its newest run has come."""
    totals = basket_lifetime_deleted_totals()
    deleted = CounterMetricFamily(
        "basketops_basket_lifetime_deleted",
        "Stale baskets the lifetime job deleted, by rule (every run).",
        labels=["rule"],
    )
    for rule, count in totals.items():
        deleted.add_metric([rule], count)
    yield deleted
    latest = basket_lifetime_run_latest()
    progress = GaugeMetricFamily(
        "basketops_basket_lifetime_run_deleted",
        "Baskets the newest lifetime run has deleted so far, by rule.",
        labels=["rule"],
    )
    for rule, count in (
        ("empty", latest.deleted_empty if latest else 0),
        ("anonymous", latest.deleted_anonymous if latest else 0),
        ("login", latest.deleted_login if latest else 0),
    ):
        progress.add_metric([rule], count)
    yield progress
    yield GaugeMetricFamily(
        "basketops_basket_lifetime_run_batches",
        "Batches (one statement each) the newest lifetime run has done so far.",
        value=latest.batches if latest else 0,
    )
    yield GaugeMetricFamily(
        "basketops_basket_lifetime_running",
        "1 while a lifetime run is at work, else 0.",
        value=1 if latest and latest.finished_at is None else 0,
    )


def metrics_render() -> bytes:
    """The Prometheus text exposition of every figure above."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=os.environ["PROMETHEUS_MULTIPROC_DIR"])
    registry.register(DatabaseCollector())
    return generate_latest(registry)
