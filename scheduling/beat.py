"""A Celery beat scheduler that any number of processes may run at once (SC-4).

Every periodic job is due once per period, counted from the epoch (a job every 60 s is due
at each whole minute, whichever process looks), and a process sends it only after it
claimed that job and period in the database: the first claim wins, the other processes
skip the period. Nothing is kept in a local file: a process that starts or restarts sends
each job whose current period nobody claimed yet, so losing one process loses nothing
while another runs, and restarting one doubles nothing.
"""

import logging
import os
import socket
import time

from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import schedstate, schedule
from django.db import DatabaseError, connection

from .services import periodic_claim

logger = logging.getLogger(__name__)


def period_of(entry_schedule, at: float) -> int:
    """The number of the period holding ``at`` (epoch seconds): of the interval for an
    interval job, of the minute for a crontab (its finest unit)."""
    if isinstance(entry_schedule, schedule) and entry_schedule.seconds > 0:
        return int(at // entry_schedule.seconds)
    return int(at // 60)


class PeriodEntry(ScheduleEntry):
    """A schedule entry that remembers the last period it was due in."""

    def __init__(self, *args, last_period: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_period = last_period

    def _next_instance(self, last_run_at=None):
        following = super()._next_instance(last_run_at)
        following.last_period = period_of(self.schedule, time.time())
        return following

    __next__ = next = _next_instance

    def is_due(self):
        """Interval jobs: due once in each period, at its start (not a period after the
        last run, which drifts); crontabs as Celery computes them."""
        if not isinstance(self.schedule, schedule) or self.schedule.seconds <= 0:
            return super().is_due()
        seconds = self.schedule.seconds
        now = time.time()
        current = int(now // seconds)
        until_next = (current + 1) * seconds - now
        if self.last_period is None or current > self.last_period:
            return schedstate(True, until_next)
        return schedstate(False, until_next)


class ClaimingScheduler(Scheduler):
    """Sends a due job only when this process claimed its period (``periodic_claim``)."""

    Entry = PeriodEntry

    def __init__(self, *args, **kwargs):
        self.claimant = f"{socket.gethostname()}:{os.getpid()}"
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        period = self.schedule[entry.name].last_period
        if period is None:
            period = period_of(entry.schedule, time.time())
        # A database restart leaves this long-lived connection broken: open a new one.
        connection.close_if_unusable_or_obsolete()
        try:
            claimed = periodic_claim(job=entry.name, period=period, claimed_by=self.claimant)
        except DatabaseError as error:
            connection.close()
            logger.warning("periodic job %s not sent: cannot claim it: %s", entry.name, error)
            return
        if not claimed:
            logger.info("periodic job %s #%s was sent by another scheduler", entry.name, period)
            return
        super().apply_entry(entry, producer=producer)
