"""Send basket reminders in small batches until none is left, starting at an agreed moment.

Usage: python -m tests.abandonment.reminder_race_worker START_AT [MOMENT ...]
At each MOMENT (ISO date and time; default: now), sends until nothing is left. Prints the
number of reminders this process sent.
"""

import os
import sys
import time
from datetime import datetime

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")
    django.setup()
    from abandonment.models import Abandonment
    from abandonment.services.reminders import basket_reminders_send

    start_at = float(sys.argv[1])
    moments = [datetime.fromisoformat(moment) for moment in sys.argv[2:]] or [None]
    Abandonment.objects.exists()  # connect before the start line
    while time.time() < start_at:
        time.sleep(0.001)
    total = 0
    for moment in moments:
        idle_rounds = 0
        # Rows the other process holds are skipped, so "nothing claimed" may be momentary.
        while idle_rounds < 3:
            sent, _ = basket_reminders_send(now=moment, batch_size=3)
            total += sent
            idle_rounds = idle_rounds + 1 if sent == 0 else 0
    print(total, flush=True)


if __name__ == "__main__":
    main()
