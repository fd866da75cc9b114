"""``manage.py bench``: each hot path of the product against what PostgreSQL itself can do.

The command makes its own database (``<name>_bench``), migrates it, and runs the workloads
in a child process whose ``DATABASE_URL`` points there, so the real views and services
run unchanged and the user's data is never touched. See ``docs/BENCHMARKS.md``.
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from benchmarks import database
from benchmarks.runner import workload_run, workloads_all
from benchmarks.workload import BenchContext

FULL_RUN_BASKETS = 1_000_000
DOCS_MARKDOWN = database.ROOT / "docs" / "BENCHMARKS.md"


class Command(BaseCommand):
    help = (
        "Measure each hot path (admin grid, CSV export, abandonment sweep, completion, "
        "status polling, abandon report) against the limit for the same work, on a "
        "database of its own. PostgreSQL only."
    )

    def add_arguments(self, parser):
        names = [workload.name for workload in workloads_all()]
        parser.add_argument("--baskets", type=int, default=FULL_RUN_BASKETS)
        parser.add_argument("--lines-per-basket", type=int, default=3)
        parser.add_argument(
            "--only", nargs="+", choices=names, metavar="NAME", help=f"any of {', '.join(names)}"
        )
        parser.add_argument("--json", type=Path, help="write the results as JSON here")
        parser.add_argument(
            "--markdown",
            type=Path,
            help="write the markdown table here (default: docs/BENCHMARKS.md for a full run "
            "of every workload at 1,000,000 baskets, var/bench/latest.md otherwise)",
        )
        parser.add_argument("--rounds", type=int, default=3, help="product/limit alternations")
        parser.add_argument(
            "--poll-seconds", type=float, default=5.0, help="load time per polling measurement"
        )
        parser.add_argument(
            "--bench-database", help="name of the bench database (default: <name>_bench)"
        )
        parser.add_argument(
            "--keep-database", action="store_true", help="do not drop the bench database after"
        )
        parser.add_argument("--note", default="", help="a remark kept with the results")
        # Set by the command itself for its child process, which runs in the bench database.
        parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["baskets"] < 100:
            raise CommandError("--baskets must be at least 100.")
        if options["lines_per_basket"] < 1:
            raise CommandError("--lines-per-basket must be at least 1.")
        if options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        if options["inside"]:
            self.handle_inside(**options)
            return
        source_url = database.source_database_url()
        name = database.bench_database_name(source_url, options["bench_database"])
        bench_url = database.database_url_for(source_url, name)
        started = time.monotonic()
        self.stdout.write(f"Creating the bench database {name} and migrating it ...")
        database.bench_database_create(name)
        try:
            database.bench_database_migrate(bench_url, stdout=self.stdout, stderr=self.stderr)
            self.stdout.write(f"  ready in {time.monotonic() - started:.1f} s")
            self.stdout.flush()
            child = subprocess.run(
                [sys.executable, str(database.ROOT / "manage.py"), *self._child_args(options)],
                cwd=database.ROOT,
                env=database.child_env(bench_url, BASKETOPS_BENCH_SOURCE=source_url),
                check=False,
            )
        finally:
            if not options["keep_database"]:
                database.bench_database_drop(name)
        if child.returncode != 0:
            raise CommandError(f"The bench run failed (exit status {child.returncode}).")

    def _child_args(self, options) -> list[str]:
        args = [
            "bench",
            "--inside",
            "--baskets",
            str(options["baskets"]),
            "--lines-per-basket",
            str(options["lines_per_basket"]),
            "--rounds",
            str(options["rounds"]),
            "--poll-seconds",
            str(options["poll_seconds"]),
            "--markdown",
            str(self._markdown_path(options)),
            "--json",
            str(options["json"] or Path(settings.DATA_DIR) / "bench" / "latest.json"),
        ]
        if options["only"]:
            args += ["--only", *options["only"]]
        if options["note"]:
            args += ["--note", options["note"]]
        return args

    def _markdown_path(self, options) -> Path:
        if options["markdown"]:
            return options["markdown"]
        if options["baskets"] >= FULL_RUN_BASKETS and not options["only"]:
            return DOCS_MARKDOWN
        return Path(settings.DATA_DIR) / "bench" / "latest.md"

    # --- the child process, connected to the bench database --------------------------------
    def handle_inside(self, **options):
        from benchmarks import results
        from benchmarks.common import bench_database_check, staff_ensure
        from benchmarks.seed import bench_seed

        bench_database_check()
        baskets, lines = options["baskets"], options["lines_per_basket"]
        started_at = datetime.now(UTC).replace(microsecond=0)
        with tqdm(
            total=baskets, unit="basket", desc="seed", file=self.stderr._out, mininterval=1
        ) as bar:
            seed = bench_seed(baskets=baskets, lines=lines, progress=bar.update)
        self.stdout.write(
            f"Seeded {baskets:,} baskets, {seed['lines_total']:,} lines in "
            f"{seed['seconds']:.1f} s ({baskets / seed['seconds']:,.0f} baskets/s)."
        )
        seed.update(staff_ensure())

        def log(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        context = BenchContext(
            bench_url=os.environ["DATABASE_URL"],
            baskets=baskets,
            lines_per_basket=lines,
            rounds=options["rounds"],
            poll_seconds=options["poll_seconds"],
            seed=seed,
            log=log,
        )
        selected = [
            workload
            for workload in workloads_all()
            if not options["only"] or workload.name in options["only"]
        ]
        outcomes = [workload_run(workload, context) for workload in selected]
        command = f"manage.py bench --baskets {baskets} --lines-per-basket {lines}"
        if options["only"]:
            command += f" --only {' '.join(options['only'])}"
        report = results.report_dict(
            meta={
                "started_at": started_at.isoformat(),
                "command": command,
                "baskets": baskets,
                "lines_per_basket": lines,
                "rounds": options["rounds"],
                "seed_seconds": round(seed["seconds"], 1),
                "note": options["note"],
                "code": results.code_describe(),
                "machine": results.machine_describe(),
            },
            workloads=outcomes,
        )
        markdown = results.report_markdown(report)
        results.report_json_write(report, options["json"])
        markdown_path: Path = options["markdown"]
        markdown_path.parent.mkdir(parents=True, exist_ok=True)
        if markdown_path.resolve() == DOCS_MARKDOWN.resolve():
            markdown_path.write_text(DOCS_HEADER + markdown)
        else:
            markdown_path.write_text("# Bench run\n\n" + markdown)
        self.stdout.write("\n" + markdown)
        self.stdout.write(f"Wrote {options['json']} and {markdown_path}.")
        if any(outcome.status == "failed" for outcome in outcomes):
            raise CommandError("Some workloads failed (see above).")


DOCS_HEADER = """# Benchmarks

The latest full run of `python manage.py bench` (1,000,000 baskets, every workload), written
by the command itself. Run it on your own PostgreSQL:

```sh
DATABASE_URL=postgres://postgres@127.0.0.1:5432/basketops .venv/bin/python manage.py bench
.venv/bin/python manage.py bench --baskets 20000 --only admin_grid export   # a quick run
```

It creates, fills and drops its own database (`<name>_bench`); your data is never
touched. Targets are goals, not tests; the CI runs `--baskets 2000` only to check that every
workload runs and reports.

## Latest full run

"""
