import os
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from baskets.models import Basket, Status
from completion.services import completion_run


class Command(BaseCommand):
    help = (
        "Complete Awaiting Completion baskets in the foreground, as the scheduled task does. "
        "Safe to run in several processes at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--max-baskets", type=int, default=None)
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="start new runs until no basket is waiting (failed attempts wait for a later run)",
        )

    def handle(self, *args, batch_size, max_baskets, until_empty, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if max_baskets is not None and max_baskets < 1:
            raise CommandError("--max-baskets must be at least 1.")
        worker = f"{socket.gethostname()}:{os.getpid()}"
        waiting = Basket.objects.filter(status=Status.AWAITING_COMPLETION).count()
        started = time.monotonic()
        totals: dict[str, int] = {}
        with tqdm(
            total=waiting,
            unit="basket",
            desc="completion",
            file=self.stderr._out,
            disable=options["verbosity"] == 0,
        ) as bar:
            while True:
                summary = completion_run(
                    worker=worker, batch_size=batch_size, max_baskets=max_baskets
                )
                counts = summary.as_dict()
                counts.pop("out_of_time")
                for name, value in counts.items():
                    totals[name] = totals.get(name, 0) + value
                bar.update(sum(counts.values()))
                if not until_empty or not any(counts.values()) or max_baskets:
                    break
        elapsed = time.monotonic() - started
        done = ", ".join(f"{name} {value}" for name, value in totals.items())
        self.stdout.write(f"{done} in {elapsed:.1f} s")
