"""Start the whole product in the foreground: web (gunicorn), Celery worker, Celery beat.

Ctrl-C (or SIGTERM) stops all three; if one of them exits, the others are stopped too.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web, worker and scheduler together until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address for the web server")
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--worker-concurrency", type=int, default=2)

    def handle(self, *args, bind: str, web_workers: int, worker_concurrency: int, **options):
        python = sys.executable
        bin_dir = os.path.dirname(python)
        commands = {
            "web": [
                os.path.join(bin_dir, "gunicorn"),
                "basketops.wsgi",
                "--bind",
                bind,
                "--workers",
                str(web_workers),
                "--config",
                str(settings.BASE_DIR / "gunicorn.conf.py"),
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "basketops",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(worker_concurrency),
                "--hostname",
                "worker@%h",
            ],
            "scheduler": [
                python,
                "-m",
                "celery",
                "-A",
                "basketops",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        processes: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, start_new_session=True)
            self.stdout.write(f"started {name} (pid {processes[name].pid})")
        self.stdout.write(self.style.SUCCESS(f"Basket Ops is running: http://{bind}/admin/"))
        self.stdout.flush()
        exit_code = 0
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping")
                        exit_code = process.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 20
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        if exit_code:
            sys.exit(exit_code)
