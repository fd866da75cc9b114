"""Leases kept alive while their worker is (SC-3).

A claim takes a short lease (``COMPLETION_LEASE``, ``WEBHOOK_LEASE``) so that the work of
a worker that dies is free again soon; a worker that is alive but slow renews it from a
thread every third of the lease, so the lease never runs out under it.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)


@contextmanager
def lease_kept(renew: Callable[[], object], *, lease: timedelta, what: str) -> Iterator[None]:
    """Call ``renew`` every third of ``lease`` until the block ends, on a thread with its
    own database connection (``renew`` must not wait for row locks: SKIP LOCKED)."""
    stop = threading.Event()
    every = lease.total_seconds() / 3

    def keep() -> None:
        try:
            while not stop.wait(every):
                try:
                    renew()
                except DatabaseError as error:
                    # The next renewal tries again; a lease lost meanwhile only lets
                    # another worker try the same work, which its locks make harmless.
                    logger.warning("lease of %s not renewed: %s", what, error)
        finally:
            connections.close_all()

    keeper = threading.Thread(target=keep, name=f"lease:{what}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()
