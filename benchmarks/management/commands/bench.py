"""``manage.py bench``: each hot path of the product against what PostgreSQL itself can do.

The command makes its own database (``<name>_bench``), migrates it, and runs the workloads
in a child process whose ``DATABASE_URL`` points there, so the real views and services
run unchanged and the user's data is never touched. See ``docs/BENCHMARKS.md``.

With ``--sizes`` it does that once per size, each in a fresh database of its own
(``<name>_bench_<size>``): every selected workload at the main size, the growth workloads
at the others, then the "Cost growth" section and its chart from all of them.
"""

import argparse
import json
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


def _sizes(text: str) -> list[int]:
    """``--sizes 100000,1000000,3000000``: distinct basket counts, smallest first."""
    try:
        sizes = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(
            "basket counts separated by commas, e.g. 100000,1000000,3000000"
        ) from None
    return sorted(sizes)


def growth_chart_path(markdown: Path) -> Path:
    """The growth chart goes next to its page: docs/BENCHMARKS.md -> benchmarks-growth.svg."""
    return markdown.with_name(f"{markdown.stem.lower()}-growth.svg")


def markdown_write(path: Path, markdown: str) -> None:
    """A run's page: the docs page under its header, any other file under a plain title."""
    path.parent.mkdir(parents=True, exist_ok=True)
    title = DOCS_HEADER if path.resolve() == DOCS_MARKDOWN.resolve() else "# Bench run\n\n"
    path.write_text(title + markdown)


class Command(BaseCommand):
    help = (
        "Measure each hot path (admin grid, CSV export, abandonment sweep, completion, "
        "status polling, abandon report) against the limit for the same work, on a "
        "database of its own. PostgreSQL only."
    )

    def add_arguments(self, parser):
        names = [workload.name for workload in workloads_all()]
        parser.add_argument(
            "--baskets", type=int, help=f"baskets to seed (default {FULL_RUN_BASKETS:,})"
        )
        parser.add_argument(
            "--sizes",
            type=_sizes,
            metavar="N,N,...",
            help="run at each of these basket counts in turn, each in a fresh database, and "
            "report how cost grows with size: every workload with --rounds at "
            f"{FULL_RUN_BASKETS:,} (or the largest size), the growth workloads with "
            "--growth-rounds at the others",
        )
        parser.add_argument(
            "--growth-rounds",
            type=int,
            default=1,
            help="rounds at the sizes other than the main one (with --sizes)",
        )
        parser.add_argument("--lines-per-basket", type=int, default=3)
        parser.add_argument(
            "--only", nargs="+", choices=names, metavar="NAME", help=f"any of {', '.join(names)}"
        )
        parser.add_argument("--json", type=Path, help="write the results as JSON here")
        parser.add_argument(
            "--markdown",
            type=Path,
            help="write the markdown table here (default: docs/BENCHMARKS.md for a full run "
            "of every workload at 1,000,000 baskets, var/bench/latest.md otherwise); with "
            "--sizes the growth chart goes next to it (<name>-growth.svg)",
        )
        parser.add_argument("--rounds", type=int, default=3, help="product/limit alternations")
        parser.add_argument(
            "--poll-seconds", type=float, default=5.0, help="load time per polling measurement"
        )
        parser.add_argument(
            "--latency-seconds",
            type=float,
            default=60.0,
            help="how long each time-to-order and time-to-webhook case makes payments or "
            "events (e.g. 5 for a quick run)",
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
        # Which size of a --sizes run the child is: put before each line it logs.
        parser.add_argument("--label", default="", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["sizes"] is not None:
            if options["baskets"] is not None:
                raise CommandError("Give --baskets (one size) or --sizes (several), not both.")
            if len(options["sizes"]) < 2:
                raise CommandError("--sizes needs at least two different basket counts.")
            if options["sizes"][0] < 100:
                raise CommandError("Every size must be at least 100 baskets.")
            if options["growth_rounds"] < 1:
                raise CommandError("--growth-rounds must be at least 1.")
        else:
            if options["baskets"] is None:
                options["baskets"] = FULL_RUN_BASKETS
            if options["baskets"] < 100:
                raise CommandError("--baskets must be at least 100.")
        if options["lines_per_basket"] < 1:
            raise CommandError("--lines-per-basket must be at least 1.")
        if options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        if options["latency_seconds"] <= 0:
            raise CommandError("--latency-seconds must be more than 0.")
        if options["inside"]:
            self.handle_inside(**options)
            return
        if options["sizes"] is not None:
            self.handle_sizes(**options)
            return
        source_url = database.source_database_url()
        name = database.bench_database_name(source_url, options["bench_database"])
        returncode = self._bench_run(
            source_url,
            name,
            self._child_args(
                options,
                baskets=options["baskets"],
                rounds=options["rounds"],
                only=options["only"],
                markdown=self._markdown_path(options),
                json_path=self._json_path(options),
            ),
            keep_database=options["keep_database"],
        )
        if returncode != 0:
            raise CommandError(f"The bench run failed (exit status {returncode}).")

    def _bench_run(
        self, source_url: str, name: str, child_args: list[str], *, keep_database: bool
    ) -> int:
        """Create and migrate the bench database ``name``, run the child process in it,
        drop it (unless kept); returns the child's exit status."""
        bench_url = database.database_url_for(source_url, name)
        started = time.monotonic()
        self.stdout.write(f"Creating the bench database {name} and migrating it ...")
        database.bench_database_create(name)
        try:
            database.bench_database_migrate(bench_url, stdout=self.stdout, stderr=self.stderr)
            self.stdout.write(f"  ready in {time.monotonic() - started:.1f} s")
            self.stdout.flush()
            child = subprocess.run(
                [sys.executable, str(database.ROOT / "manage.py"), *child_args],
                cwd=database.ROOT,
                # A queue of its own: a worker of the source database on the same broker
                # never takes the bench's tasks, nor the bench's workers its tasks.
                env=database.child_env(
                    bench_url, BASKETOPS_BENCH_SOURCE=source_url, CELERY_QUEUE=f"bench-{name}"
                ),
                check=False,
            )
        finally:
            if not keep_database:
                database.bench_database_drop(name)
        return child.returncode

    def _child_args(
        self,
        options,
        *,
        baskets: int,
        rounds: int,
        only: list[str] | None,
        markdown: Path,
        json_path: Path,
        label: str = "",
    ) -> list[str]:
        args = [
            "bench",
            "--inside",
            "--baskets",
            str(baskets),
            "--lines-per-basket",
            str(options["lines_per_basket"]),
            "--rounds",
            str(rounds),
            "--poll-seconds",
            str(options["poll_seconds"]),
            "--latency-seconds",
            str(options["latency_seconds"]),
            "--markdown",
            str(markdown),
            "--json",
            str(json_path),
        ]
        if only:
            args += ["--only", *only]
        if options["note"]:
            args += ["--note", options["note"]]
        if label:
            args += ["--label", label]
        return args

    def _json_path(self, options) -> Path:
        return options["json"] or Path(settings.DATA_DIR) / "bench" / "latest.json"

    def _markdown_path(self, options, main_size: int | None = None) -> Path:
        if options["markdown"]:
            return options["markdown"]
        if main_size is not None:
            # A --sizes run writes the docs page when its main run is the full run.
            if main_size == FULL_RUN_BASKETS and not options["only"]:
                return DOCS_MARKDOWN
        elif options["baskets"] >= FULL_RUN_BASKETS and not options["only"]:
            return DOCS_MARKDOWN
        return Path(settings.DATA_DIR) / "bench" / "latest.md"

    # --- several sizes, one fresh database each ---------------------------------------------
    def handle_sizes(self, **options):
        from benchmarks import chart, growth, results

        sizes: list[int] = options["sizes"]
        main_size = FULL_RUN_BASKETS if FULL_RUN_BASKETS in sizes else sizes[-1]
        selected = [
            workload.name
            for workload in workloads_all()
            if not options["only"] or workload.name in options["only"]
        ]
        growing = [name for name in selected if name in growth.GROWTH_WORKLOADS]
        if not growing:
            raise CommandError(
                "--sizes reports how cost grows: select at least one of "
                f"{', '.join(growth.GROWTH_WORKLOADS)}."
            )
        source_url = database.source_database_url()
        base_name = database.bench_database_name(source_url, options["bench_database"])
        json_path = self._json_path(options)
        markdown_path = self._markdown_path(options, main_size=main_size)
        svg_path = growth_chart_path(markdown_path)
        # Each size's own report, kept as it finishes: an interrupted run keeps its sizes.
        size_folder = Path(settings.DATA_DIR) / "bench" / "sizes"
        size_folder.mkdir(parents=True, exist_ok=True)
        command = (
            f"manage.py bench --sizes {','.join(str(size) for size in sizes)} "
            f"--lines-per-basket {options['lines_per_basket']}"
        )
        if options["growth_rounds"] != 1:
            command += f" --growth-rounds {options['growth_rounds']}"
        if options["only"]:
            command += f" --only {' '.join(options['only'])}"

        started = time.monotonic()
        total_baskets, done_baskets = sum(sizes), 0
        runs: list[dict] = []
        for index, size in enumerate(sizes):
            is_main = size == main_size
            only = selected if is_main else growing
            rounds = options["rounds"] if is_main else options["growth_rounds"]
            label = f"{size:,} baskets, size {index + 1}/{len(sizes)}"
            self._progress(
                f"Size {index + 1} of {len(sizes)}: {size:,} baskets, "
                f"{'the main run: ' if is_main else ''}{', '.join(only)}, "
                f"{rounds} round{'s' if rounds != 1 else ''}. Done so far: {index} of "
                f"{len(sizes)} sizes ({done_baskets:,} of {total_baskets:,} baskets), "
                f"{growth.duration_text(time.monotonic() - started)}."
            )
            size_json = size_folder / f"{size}.json"
            size_json.unlink(missing_ok=True)
            name = database.bench_database_name(source_url, f"{base_name}_{size}")
            size_started = time.monotonic()
            returncode = self._bench_run(
                source_url,
                name,
                self._child_args(
                    options,
                    baskets=size,
                    rounds=rounds,
                    # The main run of every workload keeps the command line of a plain run.
                    only=only if (options["only"] or not is_main) else None,
                    markdown=size_folder / f"{size}.md",
                    json_path=size_json,
                    label=label,
                ),
                keep_database=options["keep_database"],
            )
            seconds = time.monotonic() - size_started
            report = json.loads(size_json.read_text()) if size_json.exists() else None
            runs.append(
                {
                    "baskets": size,
                    "main": is_main,
                    "rounds": rounds,
                    "workloads": only,
                    "seconds": round(seconds, 1),
                    "exit_status": returncode,
                    "report": report,
                }
            )
            done_baskets += size
            self._progress(
                f"Size {index + 1} of {len(sizes)} ({size:,} baskets) "
                f"{'done' if returncode == 0 else f'ended with exit status {returncode}'} in "
                f"{growth.duration_text(seconds)}. Done so far: {index + 1} of {len(sizes)} "
                f"sizes ({done_baskets:,} of {total_baskets:,} baskets), "
                f"{growth.duration_text(time.monotonic() - started)}."
            )

        growth_report = growth.growth_dict(runs)
        main_run = next(run for run in runs if run["main"])
        main_report = main_run["report"]
        combined = {
            **(main_report or {}),
            "command": command,
            "sizes": runs,
            "main_size": main_size,
            "growth": growth_report,
        }
        results.report_json_write(combined, json_path)
        if main_report is None:
            raise CommandError(
                f"The main run ({main_size:,} baskets) ended without a report (exit status "
                f"{main_run['exit_status']}); what the other sizes measured is in {json_path}."
            )
        markdown = results.report_markdown({**main_report, "command": command})
        growth_markdown = growth.growth_markdown(growth_report, runs=runs, image=svg_path.name)
        markdown_write(markdown_path, markdown + "\n" + growth_markdown)
        svg_path.write_text(chart.growth_svg(growth_report, growth.chart_lines(growth_report)))
        self.stdout.write("\n" + growth_markdown)
        self.stdout.write(
            f"Wrote {json_path}, {markdown_path} and {svg_path} in "
            f"{growth.duration_text(time.monotonic() - started)}."
        )
        failed = [run["baskets"] for run in runs if run["exit_status"] != 0]
        if failed:
            raise CommandError(
                "The runs at " + ", ".join(f"{size:,}" for size in failed) + " baskets failed "
                "(see above)."
            )

    def _progress(self, message: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(message))
        self.stdout.flush()

    # --- the child process, connected to the bench database --------------------------------
    def handle_inside(self, **options):
        from benchmarks import results
        from benchmarks.common import bench_database_check, staff_ensure
        from benchmarks.seed import bench_seed

        bench_database_check()
        baskets, lines = options["baskets"], options["lines_per_basket"]
        label = options["label"]
        started_at = datetime.now(UTC).replace(microsecond=0)
        with tqdm(
            total=baskets,
            unit="basket",
            desc=f"seed ({label})" if label else "seed",
            file=self.stderr._out,
            mininterval=1,
        ) as bar:
            seed = bench_seed(baskets=baskets, lines=lines, progress=bar.update)

        def log(message: str) -> None:
            self.stdout.write(f"[{label}] {message}" if label else message)
            self.stdout.flush()

        log(
            f"Seeded {baskets:,} baskets, {seed['lines_total']:,} lines in "
            f"{seed['seconds']:.1f} s ({baskets / seed['seconds']:,.0f} baskets/s)."
        )
        seed.update(staff_ensure())

        context = BenchContext(
            bench_url=os.environ["DATABASE_URL"],
            baskets=baskets,
            lines_per_basket=lines,
            rounds=options["rounds"],
            poll_seconds=options["poll_seconds"],
            latency_seconds=options["latency_seconds"],
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
        if options["latency_seconds"] != 60.0:
            command += f" --latency-seconds {options['latency_seconds']:g}"
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
        markdown_write(markdown_path, markdown)
        self.stdout.write("\n" + markdown)
        self.stdout.write(f"Wrote {options['json']} and {markdown_path}.")
        if any(outcome.status == "failed" for outcome in outcomes):
            raise CommandError("Some workloads failed (see above).")


DOCS_HEADER = """# Benchmarks

The latest full run of `python manage.py bench` (1,000,000 baskets, every workload), written
by the command itself; a run with `--sizes` adds, under "Cost growth" at the end, how each
workload's cost grows with the number of baskets. Run it on your own PostgreSQL:

```sh
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/basketops
.venv/bin/python manage.py bench --sizes 100000,1000000,3000000  # this page (over an hour)
.venv/bin/python manage.py bench                                 # the full run alone
.venv/bin/python manage.py bench --baskets 20000 --only admin_grid export   # a quick run
```

It creates, fills and drops its own database (`<name>_bench`; with `--sizes`, one per size,
`<name>_bench_<size>`); your data is never touched. With `--sizes`, every workload runs with
`--rounds` at 1,000,000 baskets (the full run below) and the growth workloads (admin grid,
polling, sweep, export, completion) with `--growth-rounds` (default 1) at the other sizes;
the chart is drawn by the bench itself (`docs/benchmarks-growth.svg`), and the JSON keeps
every size's results. Targets are goals, not tests; the CI runs `--baskets 2000` (and
`--sizes 200,400` of two workloads) only to check that every workload runs and reports.

## Latest full run

"""
