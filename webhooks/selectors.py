"""Read queries about webhooks shared by the admin and the metrics."""

from datetime import datetime

from django.db.models import Min

from baskets.models import OutboxEvent

from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery


def endpoint_attempt_list(*, endpoint_id: int, limit: int = 50) -> list[WebhookAttempt]:
    """The endpoint's latest attempts, newest first (its admin page)."""
    return list(
        WebhookAttempt.objects.filter(endpoint_id=endpoint_id)
        .select_related("delivery")
        .order_by("-attempted_at", "-id")[:limit]
    )


def delivery_attempt_list(*, delivery_id: int) -> list[WebhookAttempt]:
    return list(
        WebhookAttempt.objects.filter(delivery_id=delivery_id)
        .select_related("delivery")
        .order_by("number")
    )


def outbox_backlog_get() -> dict[str, int | datetime | None]:
    """Undispatched events, pending deliveries and the oldest event not yet delivered."""
    undispatched = OutboxEvent.objects.filter(dispatched_at__isnull=True)
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
    oldest_undispatched = undispatched.aggregate(oldest=Min("created_at"))["oldest"]
    oldest_pending = pending.aggregate(oldest=Min("occurred_at"))["oldest"]
    oldest = min((t for t in (oldest_undispatched, oldest_pending) if t), default=None)
    return {
        "undispatched": undispatched.count(),
        "pending": pending.count(),
        "oldest_undelivered_at": oldest,
    }
