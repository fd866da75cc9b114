"""Read queries for health (IN-2) and metrics (IN-4): what the database and broker say now."""

from contextlib import suppress
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import Error as DatabaseError
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from basketops.celery import app
from baskets.models import Basket, Status

from .models import TaskRunCount, WorkerHeartbeat

# The heartbeat the scheduler sends every minute (operations.tasks.worker_heartbeat_task).
SCHEDULER_HEARTBEAT = "scheduler"
BROKER_TIMEOUT_SECONDS = 2.0
WORKER_PING_TIMEOUT_SECONDS = 1.0
# The last worker ping's answer ("" when a worker answered), kept READYZ_WORKER_CHECK_SECONDS.
WORKER_CHECK_CACHE_KEY = "operations:readyz:worker"


def _broker_errors() -> tuple[type[BaseException], ...]:
    """What the configured transport raises when its server is away (kombu's own list)."""
    broker = app.connection_for_read()
    return (BrokerError, OSError, *broker.connection_errors, *broker.channel_errors)


def database_check() -> str | None:
    """None when the database answers a query, else what is wrong (nothing secret)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return "the database does not answer"
    return None


def broker_check() -> str | None:
    """None when a connection to the Celery broker can be made within a couple of seconds."""
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except _broker_errors():
        return "the broker does not answer"
    return None


def heartbeat_check(*, now: datetime | None = None) -> str | None:
    """None when a worker ran the scheduler's heartbeat task recently (beat and a worker)."""
    now = now or timezone.now()
    seen_at = (
        WorkerHeartbeat.objects.filter(name=SCHEDULER_HEARTBEAT)
        .values_list("seen_at", flat=True)
        .first()
    )
    if seen_at is None:
        return "no scheduler heartbeat recorded yet"
    age = now - seen_at
    if age > settings.READYZ_HEARTBEAT_MAX_AGE:
        return f"the scheduler's last heartbeat is {int(age.total_seconds())} s old"
    return None


def worker_check() -> str | None:
    """None when a Celery worker answered a ping through the broker lately.

    /readyz needs no login, and a ping nobody answers holds the web process for its whole
    timeout: the answer is kept READYZ_WORKER_CHECK_SECONDS (in the shared cache when
    CACHE_URL is set), so probes, or anyone, calling it often cost one ping per period.
    """
    try:
        known = cache.get(WORKER_CHECK_CACHE_KEY)
    except (RedisError, OSError):
        known = None  # a cache away only costs the ping
    if known is not None:
        return known or None
    try:
        replies = app.control.ping(timeout=WORKER_PING_TIMEOUT_SECONDS, limit=1)
    except _broker_errors():
        # Not kept: the broker check says the same, and a broker back answers at once.
        return "the broker does not answer"
    problem = None if replies else "no worker answered a ping"
    with suppress(RedisError, OSError):
        cache.set(WORKER_CHECK_CACHE_KEY, problem or "", settings.READYZ_WORKER_CHECK_SECONDS)
    return problem


def readiness_list() -> dict[str, str | None]:
    """Each check by name: None when ready, else the reason; later checks need earlier ones."""
    results: dict[str, str | None] = {"database": database_check(), "broker": broker_check()}
    results["scheduler"] = (
        "unknown: the database does not answer" if results["database"] else heartbeat_check()
    )
    results["worker"] = (
        "unknown: the broker does not answer" if results["broker"] else worker_check()
    )
    return results


def basket_status_counts() -> dict[str, int]:
    counts = dict.fromkeys(Status.values, 0)
    counts.update(Basket.objects.order_by().values_list("status").annotate(total=Count("id")))
    return counts


def task_run_list() -> list[tuple[str, int, int, float]]:
    return list(
        TaskRunCount.objects.order_by("task").values_list("task", "runs", "failures", "seconds")
    )


def queue_depth_get(queue: str | None = None) -> int | None:
    """Messages waiting in the Celery queue, or None when the broker cannot say."""
    queue = queue or app.conf.task_default_queue
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
            with broker.channel() as channel:
                return channel.queue_declare(queue=queue, passive=True).message_count
    except _broker_errors():
        # The broker is away (readiness says so) or the queue was never declared.
        return None
