"""Settings for scheduler processes in the tests: every interval job of the product's
schedule (crontabs left out), each every TEST_BEAT_PERIOD seconds, so that a few periods
pass in seconds."""

import os

from basketops.settings import *  # noqa: F403
from basketops.settings import CELERY_BEAT_SCHEDULE as PRODUCT_SCHEDULE

TEST_BEAT_PERIOD = float(os.environ.get("TEST_BEAT_PERIOD", "3"))

CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": TEST_BEAT_PERIOD}
    for name, entry in PRODUCT_SCHEDULE.items()
    if isinstance(entry["schedule"], int | float)
}
