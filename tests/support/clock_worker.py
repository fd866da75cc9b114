"""A real Celery worker process whose clock reads a moved moment (time-machine, ticking),
for background work that waits hours or days.

Usage: python -m tests.support.clock_worker MOMENT NAME
MOMENT is an ISO date and time; the worker's ``timezone.now()`` starts there and runs on.
"""

import os
import sys
from datetime import datetime

import time_machine


def main() -> None:
    moment = datetime.fromisoformat(sys.argv[1])
    # Before Django and Celery load, so every clock read in the worker is the moved one.
    time_machine.travel(moment, tick=True).start()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    from basketops.celery import app

    app.worker_main(
        [
            "worker",
            "--pool",
            "solo",
            "--hostname",
            f"{sys.argv[2]}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    main()
