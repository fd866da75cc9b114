"""The Celery app: configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery
from django.db import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basketops.settings")

# Every task run is counted for /metrics (IN-4).
app = Celery("basketops", task_cls="operations.task_base:CountedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Transient database trouble (a failover, a dropped connection) is retried with backoff;
# every task of the product takes these options.
TRANSIENT_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 5,
}
