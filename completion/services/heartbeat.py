"""Worker heartbeats: the last time a worker ran a task, read by ping_worker and the admin."""

import socket

from django.utils import timezone

from ..models import WorkerHeartbeat


def worker_heartbeat_record(*, name: str) -> WorkerHeartbeat:
    """Record that a worker process ran a task for ``name`` just now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"hostname": socket.gethostname(), "seen_at": timezone.now()}
    )
    return heartbeat
