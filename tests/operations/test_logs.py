"""LOG_FORMAT=json (IN-3): every line a JSON object, with request id, basket GUID, task id."""

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from baskets.models import EventType
from baskets.services.transitions import basket_lock
from tests.support.factories import SYSTEM, BasketFactory
from tests.support.processes import ROOT, child_env
from tests.support.servers import gunicorn_running
from tests.support.webhooks import endpoint_for, receiver_running
from tests.support.workers import broker_flush, wait_until, worker_stop, workers_ready
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.tasks import webhook_dispatch_task

CARD = "4111-1111-1111-1111"


def json_lines(path) -> list[dict]:
    """Every line of the file parsed as JSON (fails on the first line that is not)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.django_db(transaction=True)
def test_web_lines_are_json_with_request_id_and_basket_guid(tmp_path):
    """SPEC: IN-3 AC-4 — app and gunicorn lines; card numbers removed from every field."""
    guid = uuid.uuid4()
    with gunicorn_running(tmp_path, workers=1, LOG_FORMAT="json", LOG_LEVEL="INFO") as (
        base,
        log,
    ):
        answer = httpx.get(f"{base}/api/baskets/{guid}/", headers={"X-Request-ID": "req-42"})
        carded = httpx.get(f"{base}/nowhere/{CARD}/", headers={"X-Request-ID": CARD})

    assert answer.status_code == 401 and answer.headers["X-Request-ID"] == "req-42"
    assert carded.headers["X-Request-ID"] != CARD
    lines = json_lines(log)
    (unauthorized,) = [
        line
        for line in lines
        if line["logger"] == "django.request" and line["request_id"] == "req-42"
    ]
    assert unauthorized["basket_guid"] == str(guid)
    assert unauthorized["level"] == "WARNING"
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert [line["request_id"] for line in access][-2:] == [
        "req-42",
        carded.headers["X-Request-ID"],
    ]
    assert CARD not in log.read_text() and CARD.replace("-", "") not in log.read_text()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_lines_are_json_with_task_id_and_basket_guid(tmp_path, settings):
    """SPEC: IN-3 — a Celery worker's lines, with the task id and the basket in hand; every
    line one JSON object, the pool's own ones too."""
    log = tmp_path / "worker.log"
    with receiver_running(tmp_path) as receiver:
        endpoint_for(receiver, EventType.BASKET_STATUS_CHANGED, settings=settings)
        basket = BasketFactory()
        basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending")
        broker_flush()
        with log.open("w") as output:
            worker = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "basketops",
                    "worker",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--hostname",
                    "jsonlogs@%h",
                ],
                cwd=ROOT,
                env=child_env(
                    LOG_FORMAT="json",
                    WEBHOOK_ALLOW_PRIVATE_URLS="true",
                    # The tests run as root; Celery warns about that through Python's warnings
                    # before logging is set up. Deployments run as another user (AC-8).
                    PYTHONWARNINGS="ignore:You're running the worker with superuser",
                ),
                stdout=subprocess.DEVNULL,
                stderr=output,
                start_new_session=True,
            )
        try:
            workers_ready(1, [worker])
            result = webhook_dispatch_task.delay()
            wait_until(
                lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).exists(),
                timeout=60,
            )
            # The run lingers for more requests after its delivery (RUN_LINGER_MS): its
            # end is the trace line, written before the pool process is stopped.
            wait_until(lambda: "celery.app.trace" in log.read_text(), timeout=60)
            # A pool process stopped from outside: the worker logs it and starts another.
            (pool_process,) = (
                Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
            )
            os.kill(int(pool_process), signal.SIGTERM)
            wait_until(lambda: "ForkPoolWorker" in log.read_text(), timeout=60)
        finally:
            worker_stop(worker)

    lines = json_lines(log)
    (sent,) = [line for line in lines if line["logger"] == "webhooks.services.delivery"]
    assert sent["basket_guid"] == str(basket.guid)
    assert sent["task_id"] == result.id
    assert any(
        line["logger"] == "celery.app.trace" and line["task_id"] == result.id for line in lines
    )
    # Celery's pool logs the stopped process through a logger of its own: JSON too.
    assert any(
        line["logger"] == "multiprocessing" and "ForkPoolWorker" in line["message"]
        for line in lines
    )
