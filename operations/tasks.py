"""Thin Celery tasks of operations: the worker heartbeat."""

from celery import shared_task

from .services import worker_heartbeat_record


@shared_task(acks_late=True)
def worker_heartbeat_task(name: str = "scheduler") -> None:
    """Show that a worker is consuming the queue (read by ping_worker, /readyz and the admin)."""
    worker_heartbeat_record(name=name)
