"""Start the whole product in the foreground: web (gunicorn), Celery worker, Celery beat.

With no ``DATABASE_URL`` it first starts the embedded PostgreSQL and stops it again at the
end. ``--prepare`` migrates, collects static files, loads demo data into an empty database
and makes the first staff login before the three processes start.

Ctrl-C (or SIGTERM) stops all three; if one of them exits, the others are stopped too.
Each child is asked to stop through its main process (so Celery's worker can end its pool
itself), then told to stop at once, and only then killed with its whole process group; the
command never returns before every child has gone.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from tooling import embedded_postgres

# Ctrl-C must end everything within 30 s: a warm stop gets 10 s, a cold stop 10 s more,
# then whatever is left of the child's process group is killed.
WARM_STOP_SECONDS = 10
COLD_STOP_SECONDS = 10


class Command(BaseCommand):
    help = "Run web, worker and scheduler together until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address for the web server")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--worker-concurrency", type=int, default=2)
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="migrate, collect static files, load demo data into an empty database and "
            "make the first staff login before starting",
        )
        parser.add_argument(
            "--demo-baskets",
            type=int,
            default=2000,
            help="demo baskets --prepare loads into an empty database (0: none)",
        )

    def handle(self, *args, bind: str, web_workers: int, worker_concurrency: int, **options):
        started_database = False
        if not settings.DATABASE_URL:
            started_database = embedded_postgres.start(settings.DATA_DIR)
            self.stdout.write(
                f"embedded PostgreSQL {'started' if started_database else 'already running'} "
                f"(data in {settings.DATA_DIR / embedded_postgres.DATA_SUBDIR})"
            )
        try:
            if options["prepare"]:
                self._prepare(options["demo_baskets"])
            exit_code = self._run(self._commands(bind, web_workers, worker_concurrency), bind)
        finally:
            if started_database:
                connections.close_all()
                embedded_postgres.stop(settings.DATA_DIR)
                self.stdout.write("embedded PostgreSQL stopped")
        if exit_code:
            sys.exit(exit_code)

    def _prepare(self, demo_baskets: int) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo_baskets:
            call_command("seed_demo", if_empty=True, baskets=demo_baskets)
        call_command("ensure_staff")

    def _commands(self, bind: str, web_workers: int, worker_concurrency: int) -> dict:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "basketops"]
        return {
            "web": [
                os.path.join(os.path.dirname(python), "gunicorn"),
                "basketops.wsgi",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--config",
                str(settings.BASE_DIR / "gunicorn.conf.py"),
            ],
            "worker": [
                *celery,
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(worker_concurrency),
                "--hostname",
                "worker@%h",
            ],
            "scheduler": [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }

    def _run(self, commands: dict[str, list[str]], bind: str) -> int:
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            for name, command in commands.items():
                # A session of its own: a terminal's Ctrl-C reaches only this command, which
                # then stops the children in order.
                processes[name] = subprocess.Popen(command, start_new_session=True)
                self.stdout.write(f"started {name} (pid {processes[name].pid})")
            self.stdout.write(self.style.SUCCESS(f"Basket Ops is running: http://{bind}/admin/"))
            self.stdout.flush()
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping")
                        exit_code = process.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop(processes)
        return exit_code

    def _stop(self, processes: dict[str, subprocess.Popen]) -> None:
        """Warm stop, cold stop, then kill; returns only when every child has exited."""
        # SIGTERM: gunicorn and Celery finish what they are doing. SIGQUIT: both stop at
        # once (Celery's cold shutdown; an unfinished task is redelivered, acks_late).
        self._signal_main(processes, signal.SIGTERM)
        self._wait(processes, WARM_STOP_SECONDS)
        self._signal_main(processes, signal.SIGQUIT)
        self._wait(processes, COLD_STOP_SECONDS)
        for name, process in processes.items():
            # Whatever is left in the child's session (a stuck pool process) goes too.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if process.poll() is None:
                process.wait()
                self.stderr.write(f"{name} did not stop in time and was killed")

    @staticmethod
    def _signal_main(processes: dict[str, subprocess.Popen], signum: int) -> None:
        for process in processes.values():
            if process.poll() is None:
                try:
                    process.send_signal(signum)
                except ProcessLookupError:
                    pass

    @staticmethod
    def _wait(processes: dict[str, subprocess.Popen], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(
            process.poll() is None for process in processes.values()
        ):
            time.sleep(0.1)
