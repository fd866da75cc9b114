"""``manage.py shop_import PATH --kind products``: the shop's records from a file (SH-1)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from baskets.services.actors import Actor
from shopdata.models import ImportRun
from shopdata.services.imports import shop_import
from shopdata.services.sync import KINDS


class Command(BaseCommand):
    help = (
        "Load one kind of the shop's records from a CSV or JSON Lines file (columns in the "
        "README), in one transaction: a refused row stops the run with its line number and "
        "nothing is written. The run is kept for System administrators (admin → Import runs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--kind",
            choices=sorted(KINDS),
            help="the kind of records in the file (default: the file's name, e.g. "
            "products.csv, customer-accounts.jsonl)",
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, path: Path, kind: str | None, quiet: bool, **options):
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        kind = kind or path.name.split(".")[0]
        if kind not in KINDS:
            raise CommandError(f"Give --kind: one of {', '.join(sorted(KINDS))}.")
        with tqdm(unit=" rows", disable=quiet, desc=f"{kind} from {path.name}") as bar:
            run = shop_import(
                path=path,
                kind_name=kind,
                actor=Actor.system("shop_import"),
                progress=lambda rows: bar.update(rows - bar.n),
            )
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(
                f"{path}: line {run.refused_line}: {run.refused_reason} (nothing written)"
            )
        self.stdout.write(
            f"{run.rows} {kind}: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged."
        )
