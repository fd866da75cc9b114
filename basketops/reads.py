"""SC-5: which database a read-only page reads from.

Nothing is routed behind the code's back: Django reads and writes the primary ("default")
everywhere, and only the read paths that name ``reading_alias()`` (the grid's pages, the
CSV export, the funnel, the abandon reports, the analytics) read from the replica, and only
while its replay lag is under ``REPLICA_MAX_LAG_SECONDS``. A read that decides a write never
asks.

The lag: 0 when the replica has replayed everything the primary has written (its replay
position is at or past the primary's current WAL write position; with
``synchronous_commit=off`` a commit reaches that position up to ``wal_writer_delay``
later), else the age of the last
transaction it replayed. After a long idle spell the first write makes the replica look
that old until it replays it (a fraction of a second): reads then go to the primary, the
safe side. A replica that does not answer, or is not (any more) replaying, has no lag and
is not used. The figure is measured at most every ``REPLICA_LAG_CHECK_SECONDS`` per process.
"""

import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"

_checked: tuple[float, float | None] | None = None  # (time.monotonic() of the check, lag)
_lock = threading.Lock()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_measure() -> float | None:
    """Seconds the replica's replay is behind the primary, now; None when it cannot say."""
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (primary_position,) = cursor.fetchone()
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [primary_position],
            )
            replaying, caught_up, age = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close_if_unusable_or_obsolete()
        return None
    if not replaying:
        return None  # promoted or not a standby: it no longer follows the primary
    if caught_up:
        return 0.0
    return None if age is None else max(float(age), 0.0)


def replica_lag() -> float | None:
    """The replica's lag, measured at most every REPLICA_LAG_CHECK_SECONDS (None: unusable
    or not configured)."""
    global _checked
    if not replica_configured():
        return None
    known = _checked
    if known is not None and time.monotonic() - known[0] < settings.REPLICA_LAG_CHECK_SECONDS:
        return known[1]
    with _lock:
        lag = replica_lag_measure()
        _checked = (time.monotonic(), lag)
    return lag


def lag_forget() -> None:
    """Measure again on the next read (after a change of settings)."""
    global _checked
    _checked = None


def reading_alias() -> str:
    """The database a read-only report or page reads from now: the replica when it is
    configured and less than REPLICA_MAX_LAG_SECONDS behind, else the primary."""
    lag = replica_lag()
    if lag is not None and lag < settings.REPLICA_MAX_LAG_SECONDS:
        return REPLICA
    return PRIMARY


def replica_status() -> dict[str, object]:
    """For /readyz: whether a replica is configured, its lag and whether reads use it."""
    if not replica_configured():
        return {"configured": False}
    lag = replica_lag()
    return {
        "configured": True,
        "lag_seconds": None if lag is None else round(lag, 3),
        "max_lag_seconds": settings.REPLICA_MAX_LAG_SECONDS,
        "in_use": lag is not None and lag < settings.REPLICA_MAX_LAG_SECONDS,
    }
