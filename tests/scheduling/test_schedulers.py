"""Any number of schedulers (SC-4): periodic jobs claimed per period in the database."""

import signal
import time
from collections import defaultdict
from datetime import timedelta

import pytest
import redis
from celery.beat import ScheduleEntry
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.utils import timezone

from basketops.celery import app
from operations.models import TaskRunCount
from scheduling.beat import PeriodEntry, period_of
from scheduling.models import PeriodicClaim
from scheduling.services import periodic_claim
from tests.support.beat_settings import CELERY_BEAT_SCHEDULE as TEST_SCHEDULE
from tests.support.schedulers import beat_start
from tests.support.workers import celery_workers, wait_until, worker_stop


@pytest.mark.django_db
def test_one_claim_per_job_and_period():
    """SPEC: SC-4 — the first claim of a job's period wins; other periods and jobs are free;
    claims older than a day are forgotten on the way."""
    PeriodicClaim.objects.create(
        job="a", period=1, claimed_at=timezone.now() - timedelta(days=2), claimed_by="old"
    )
    outcomes = [
        periodic_claim(job="a", period=7, claimed_by="one"),
        periodic_claim(job="a", period=7, claimed_by="two"),
        periodic_claim(job="a", period=8, claimed_by="two"),
        periodic_claim(job="b", period=7, claimed_by="two"),
    ]
    assert outcomes == [True, False, True, True]
    assert sorted(PeriodicClaim.objects.values_list("job", "period", "claimed_by")) == [
        ("a", 7, "one"),
        ("a", 8, "two"),
        ("b", 7, "two"),
    ]


@pytest.mark.parametrize(
    ("schedule", "at", "period"),
    [(60.0, 119.9, 1), (60.0, 120.0, 2), (5.0, 12.0, 2), (crontab(minute=0, hour=7), 185.0, 3)],
    ids=["interval-end", "interval-start", "short-interval", "crontab-by-minute"],
)
def test_periods_count_from_the_epoch(schedule, at, period):
    """SPEC: SC-4 — every process numbers a job's periods alike, whenever it started."""
    entry = ScheduleEntry(name="job", task="t", schedule=schedule, app=app)
    assert period_of(entry.schedule, at) == period


def test_an_interval_job_is_due_once_per_period_at_its_start():
    """SPEC: SC-4 — due when a new period begins (not an interval after the last send, which
    drifts), and not again in the same period."""
    entry = PeriodEntry(name="job", task="t", schedule=10.0, app=app)
    base = 1_000_000_000.0  # a multiple of 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: base + 3.0)
        due, wait = entry.is_due()
        assert (due, round(wait, 3)) == (True, 7.0)
        sent = next(entry)
        assert sent.last_period == int((base + 3.0) // 10)
        assert sent.is_due()[0] is False
        patch.setattr(time, "time", lambda: base + 10.0)
        assert sent.is_due()[0] is True


def claimed_periods() -> dict[str, list[int]]:
    periods: dict[str, list[int]] = defaultdict(list)
    for job, period in PeriodicClaim.objects.order_by("job", "period").values_list(
        "job", "period"
    ):
        periods[job].append(period)
    return periods


def broker_idle() -> bool:
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_run_each_periodic_job_once_per_period(tmp_path):
    """SPEC: SC-4 — two `celery beat` processes for three periods and more: every periodic
    job was sent and run exactly once in each period, with no gap."""
    period = 3.0
    jobs = {name: entry["task"] for name, entry in TEST_SCHEDULE.items()}
    logs = [tmp_path / "beat-1.log", tmp_path / "beat-2.log"]
    with celery_workers(1):
        beats = [beat_start(log, period=period) for log in logs]
        try:
            wait_until(
                lambda: all("beat: Starting" in log.read_text() for log in logs),
                timeout=60,
                message="the schedulers did not start",
            )
            first = int(time.time() // period) + 1
            wanted = set(range(first, first + 3))
            wait_until(
                lambda: all(wanted <= set(claimed_periods()[job]) for job in jobs),
                timeout=60,
                message="three periods did not pass with every job claimed",
            )
            # Stopped mid-period, never between a claim and its send at a period's start.
            wait_until(lambda: 0.3 < time.time() % period / period < 0.7, timeout=10, poll=0.05)
        finally:
            for beat in beats:
                worker_stop(beat, signal.SIGTERM)
        wait_until(broker_idle, timeout=60, message="the worker did not run every job sent")
    claims = claimed_periods()
    runs = dict(TaskRunCount.objects.values_list("task", "runs"))
    assert set(claims) == set(jobs)
    for job, periods in claims.items():
        assert periods == list(range(periods[0], periods[0] + len(periods))), job
        assert len(periods) >= 3, job
        assert runs[jobs[job]] == len(periods), job
    # Both schedulers were there to send: one of them found periods the other had claimed.
    skipped = sum(log.read_text().count("was sent by another scheduler") for log in logs)
    assert skipped >= len(jobs) * 3
