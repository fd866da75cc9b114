"""Real `celery beat` processes for the tests, with the test schedule (beat_settings)."""

import subprocess
import sys
from pathlib import Path

from tests.support.processes import ROOT, child_env


def beat_start(log: Path, *, period: float, **env: str) -> subprocess.Popen:
    """A scheduler process writing its log to ``log``; every interval job every ``period``."""
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "basketops", "beat", "--loglevel", "INFO"],
            cwd=ROOT,
            env=child_env(
                DJANGO_SETTINGS_MODULE="tests.support.beat_settings",
                TEST_BEAT_PERIOD=str(period),
                **env,
            ),
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
