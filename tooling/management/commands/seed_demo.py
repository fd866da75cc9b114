import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tooling.demo import demo_load


class Command(BaseCommand):
    help = "Load realistic demo baskets (every status and account type), bulk-inserted."

    def add_arguments(self, parser):
        parser.add_argument(
            "--baskets", type=int, default=2_000, help="how many baskets (default 2,000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")
        parser.add_argument("--chunk-size", type=int, default=10_000)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when baskets already exist"
        )

    def handle(self, *args, baskets: int, seed: int, chunk_size: int, if_empty: bool, **options):
        from baskets.models import Basket

        if baskets < 1:
            raise CommandError("--baskets must be at least 1.")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if if_empty and Basket.objects.exists():
            self.stdout.write("Demo data already present; nothing loaded.")
            return
        started = time.monotonic()
        with tqdm(
            total=baskets,
            unit="basket",
            desc="seed_demo",
            file=self.stderr._out,
            disable=options["verbosity"] == 0,
        ) as bar:
            demo_load(
                baskets=baskets, seed=seed, chunk_size=min(chunk_size, baskets), progress=bar.update
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {baskets:,} baskets in {elapsed:.1f} s "
                f"({baskets / elapsed:,.0f} baskets/s)."
            )
        )
