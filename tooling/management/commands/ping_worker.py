import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.models import WorkerHeartbeat
from operations.tasks import worker_heartbeat_task


class Command(BaseCommand):
    help = "Send a task through the broker and wait until a worker has run it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout: float, **options):
        name = f"ping-{timezone.now().timestamp():.6f}"
        sent = time.monotonic()
        worker_heartbeat_task.delay(name)
        while time.monotonic() - sent < timeout:
            heartbeat = WorkerHeartbeat.objects.filter(name=name).first()
            if heartbeat is not None:
                WorkerHeartbeat.objects.filter(name=name).delete()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"worker {heartbeat.hostname} ran the task "
                        f"in {time.monotonic() - sent:.2f} s"
                    )
                )
                return
            time.sleep(0.2)
        raise CommandError(f"no worker ran the task within {timeout:.0f} s")
