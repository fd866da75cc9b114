"""Runs asked for on commit (SC-1, SC-2) and periodic jobs claimed once per period (SC-4).

A commit that leaves work behind (a paid basket, outbox rows) asks for a run of the job
that does it. Requests coalesce through one ``RunRequest`` row per job: the first request
sends a task; requests while that task waits, or while a run is looking for work, only
mark the row, and the run looks again before it ends: every run ends by looking again
(which removes the row when nothing came), or by handing over to its successor, or by
releasing the row; never by just stopping, even out of time or in an error (a run that
Celery retries hands over to its retry, one it does not retry releases). So a burst of
commits makes a few runs that each take everything there is, never one task per commit,
and no request is left without a run that starts looking after it. A row nobody touched
for ``RUN_REQUEST_STALE_AFTER`` (its task lost, its worker killed) no longer holds
requests back: the next one sends a task again. The periodic runs stay as the safety net.
"""

import logging
import socket
import time
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from .models import PeriodicClaim, RunRequest

logger = logging.getLogger(__name__)
# How often a lingering run asks whether a request came (one indexed UPDATE each time).
LINGER_POLL_SECONDS = 0.05

# Insert the request, or mark the row requested; the caller sends a task when the row is
# new or was stale (then ``touched_at`` is this request's time), not when a task waits or a
# run is looking (that run looks again before it ends).
REQUEST_SQL = f"""
INSERT INTO {RunRequest._meta.db_table} AS request (job, requested, touched_at)
VALUES (%(job)s, true, %(now)s)
ON CONFLICT (job) DO UPDATE SET
    requested = true,
    touched_at = CASE WHEN request.touched_at < %(stale_before)s
                      THEN EXCLUDED.touched_at ELSE request.touched_at END
WHERE NOT request.requested OR request.touched_at < %(stale_before)s
RETURNING request.touched_at = %(now)s
"""  # noqa: S608 - table name from model metadata, values bound


def run_request_on_commit(*, job: str) -> None:
    """Ask for a run of periodic ``job`` once the current transaction commits (at once
    outside one); asking twice in one transaction asks once."""
    callback = partial(run_request_send, job=job)
    for _savepoints, queued, _robust in connection.run_on_commit:
        if getattr(queued, "func", None) is run_request_send and queued.keywords == {"job": job}:
            return
    transaction.on_commit(callback, robust=True)


def run_request_send(*, job: str) -> bool:
    """Record a request for ``job`` and send its task unless a run is already coming or
    looking; True when a task was sent. Never raises: the commit it follows is done, and
    the periodic run is there when the database or the broker is not."""
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                REQUEST_SQL,
                {"job": job, "now": now, "stale_before": now - settings.RUN_REQUEST_STALE_AFTER},
            )
            row = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("run of %s not requested: %s", job, error)
        return False
    if not (row and row[0]):
        return False
    try:
        current_app.send_task(settings.CELERY_BEAT_SCHEDULE[job]["task"], retry=False)
    except (KombuError, RedisError, OSError) as error:
        # Nothing will come: the next request must send again, not wait for staleness.
        logger.warning("run of %s not sent: %s", job, error)
        RunRequest.objects.filter(job=job).delete()
        return False
    return True


def run_request_look(*, job: str) -> None:
    """A run of ``job`` starts looking for work: requests made before now are its own."""
    RunRequest.objects.filter(job=job).update(requested=False, touched_at=timezone.now())


def run_request_look_again(*, job: str) -> bool:
    """A run of ``job`` found nothing left: True when a request came since it last looked,
    or comes within ``RUN_LINGER`` (it must look again, and the request is now its own);
    otherwise the row is removed so the next request sends a task.

    The linger keeps one run through a burst of commits that come a few milliseconds
    apart, instead of a run per gap."""
    taken = RunRequest.objects.filter(job=job, requested=True)
    deadline = time.monotonic() + settings.RUN_LINGER.total_seconds()
    while True:
        if taken.update(requested=False, touched_at=timezone.now()):
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(LINGER_POLL_SECONDS)
    # A request between these statements keeps its row (it is requested again) ...
    RunRequest.objects.filter(job=job, requested=False).delete()
    # ... and is taken here.
    return bool(taken.update(requested=False, touched_at=timezone.now()))


def run_request_hand_over(*, job: str) -> None:
    """A run ends with work left and sends its successor: requests wait for that one."""
    now = timezone.now()
    RunRequest.objects.update_or_create(job=job, defaults={"requested": True, "touched_at": now})


# Remove the row; say whether a request came while the run worked (it only marked the row).
RELEASE_SQL = f"""
DELETE FROM {RunRequest._meta.db_table} WHERE job = %(job)s RETURNING requested
"""  # noqa: S608 - table name from model metadata, values bound


def run_request_release(*, job: str) -> bool:
    """A run ends with no successor (work left, or an error not retried): the next request
    sends a task. True when a request came while the run worked (it only marked the row)."""
    with connection.cursor() as cursor:
        cursor.execute(RELEASE_SQL, {"job": job})
        row = cursor.fetchone()
    return bool(row and row[0])


def run_request_successor_send(task, *, job: str, requeues: int) -> bool:
    """A run of ``job`` out of time with work left hands over to a successor ``task``
    (requests wait for that one), within ``successor_send``'s cap; past it the row is
    released, so the next request sends a task and the periodic run goes on. True when the
    successor was sent."""
    # Handed over first: the successor's first look must find the row as its own.
    run_request_hand_over(job=job)
    if successor_send(task, requeues=requeues, helpers=0):
        return True
    run_request_release(job=job)
    return False


def run_request_failed(*, job: str, retried: bool) -> None:
    """A run of ``job`` ended in an error: it still ends by handing over or releasing.

    Retried (Celery runs the task again), the retry is the coming run: the row stays
    handed over to it, touched now, so requests meanwhile only mark it (a retry that waits
    longer than ``RUN_REQUEST_STALE_AFTER`` lets the next request send a task, as any stale
    row does). Not retried, the row goes, so the next request sends a task at once; and a
    request that came while the run worked, which only marked the row for a run that no
    longer looks, sends one now. Never raises: it runs after the task's own error, and a
    row it cannot write goes stale."""
    if not connection.in_atomic_block:
        # A run that lost its connection failed with it: write on a fresh one.
        connection.close_if_unusable_or_obsolete()
    try:
        if retried:
            run_request_hand_over(job=job)
            return
        requested_meanwhile = run_request_release(job=job)
    except (DatabaseError, InterfaceError) as error:
        logger.warning("run of %s failed, its request row left: %s", job, error)
        return
    if requested_meanwhile:
        run_request_send(job=job)


# Claim (job, period) unless another scheduler did; forget this job's claims older than a
# day on the way, so the table holds about a day of periods.
CLAIM_SQL = f"""
WITH forgotten AS (
    DELETE FROM {PeriodicClaim._meta.db_table}
    WHERE job = %(job)s AND claimed_at < %(forget_before)s
)
INSERT INTO {PeriodicClaim._meta.db_table} (job, period, claimed_at, claimed_by)
VALUES (%(job)s, %(period)s, %(now)s, %(by)s)
ON CONFLICT (job, period) DO NOTHING
RETURNING 1
"""  # noqa: S608 - table name from model metadata, values bound
CLAIMS_KEPT_FOR = timedelta(days=1)


def periodic_claim(*, job: str, period: int, claimed_by: str | None = None) -> bool:
    """SC-4: True for the one scheduler that claims ``job`` for ``period``; one statement,
    autocommitted, so the claim holds before the task is sent."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL,
            {
                "job": job,
                "period": period,
                "now": now,
                "by": (claimed_by or socket.gethostname())[:200],
                "forget_before": now - CLAIMS_KEPT_FOR,
            },
        )
        return cursor.fetchone() is not None


def successor_send(task, *, requeues: int, name: str = "", **arguments) -> bool:
    """Send the next batch of a self re-queuing task (a sweep, a purge, a send) unless
    RUN_MAX_REQUEUES successors in a row already ran: a task that always finds more (a
    fault, a flood) then stops until its next period instead of filling the queue;
    ``arguments`` go to the successor too. True when the successor was sent."""
    if requeues >= settings.RUN_MAX_REQUEUES:
        logger.warning(
            "%s: %s successors in a row, no more until its next period",
            name or task.name,
            requeues,
        )
        return False
    task.delay(requeues=requeues + 1, **arguments)
    return True
