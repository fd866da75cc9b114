"""Registering webhook endpoints, disabling one that keeps failing, test events (IN-1)."""

import base64
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baskets.models import EventType
from baskets.roles import ADMINISTRATOR

from ..exceptions import EndpointInvalid
from ..models import TEST_EVENT, WebhookDelivery, WebhookEndpoint


def endpoint_secret_new() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def endpoint_url_validate(url: str) -> str:
    """https only (http too with DEBUG on); raise ``EndpointInvalid`` otherwise."""
    parts = urlsplit(url.strip())
    allowed = {"https", "http"} if settings.DEBUG else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise EndpointInvalid(_("The URL must start with https:// and name a host."))
    if parts.username or parts.password:
        raise EndpointInvalid(_("Put no user name or password in the URL."))
    return url.strip()


def endpoint_event_types_validate(event_types: list[str]) -> list[str]:
    known = set(EventType.values)
    unknown = sorted(set(event_types) - known)
    if unknown or not event_types:
        raise EndpointInvalid(
            _("Unknown or no event types: %(unknown)s; choose from %(known)s.")
            % {"unknown": ", ".join(unknown) or _("(none)"), "known": ", ".join(EventType.values)}
        )
    return sorted(set(event_types))


def webhook_endpoint_create(
    *, url: str, event_types: list[str], description: str = "", active: bool = True
) -> WebhookEndpoint:
    """Register an endpoint with a new secret (the caller shows the secret once)."""
    return WebhookEndpoint.objects.create(
        url=endpoint_url_validate(url),
        event_types=endpoint_event_types_validate(event_types),
        description=description[:200],
        active=active,
        secret=endpoint_secret_new(),
        created_at=timezone.now(),
    )


def webhook_endpoint_enable(*, endpoint_id: int) -> bool:
    """Turn a disabled endpoint back on; its waiting deliveries go out on the next run."""
    return bool(
        WebhookEndpoint.objects.filter(pk=endpoint_id, active=False).update(
            active=True, disabled_at=None, disabled_reason="", failing_since=None
        )
    )


def webhook_endpoint_disable_if_failing(*, endpoint_id: int, now) -> bool:
    """Disable the endpoint when it has failed without a success for WEBHOOK_DISABLE_AFTER.

    One conditional UPDATE, so two workers never both disable it (nor both mail); the
    System administrators are e-mailed after the commit.
    """
    since = now - settings.WEBHOOK_DISABLE_AFTER
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint_id, active=True, failing_since__lte=since
    ).update(
        active=False,
        disabled_at=now,
        disabled_reason=f"Every attempt failed for {settings.WEBHOOK_DISABLE_AFTER}.",
    )
    if disabled:
        transaction.on_commit(lambda: endpoint_disabled_notify(endpoint_id=endpoint_id))
    return bool(disabled)


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """E-mail the System administrators that an endpoint was disabled; returns mails sent."""
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    recipients = sorted(
        set(
            get_user_model()
            .objects.filter(groups__name=ADMINISTRATOR, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    link = f"{settings.BACKOFFICE_BASE_URL}/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    return send_mail(
        subject=f"Webhook endpoint disabled: {endpoint.url}",
        message=(
            f"The webhook endpoint {endpoint.url} failed every delivery attempt since "
            f"{endpoint.failing_since:%Y-%m-%d %H:%M %Z} and was disabled.\n"
            "Its deliveries wait; they go out when the endpoint is enabled again.\n\n"
            f"{link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def webhook_test_send(*, endpoint_id: int) -> WebhookDelivery:
    """Queue a ``webhook.test`` delivery to one endpoint (sent even if it is disabled)."""
    now = timezone.now()
    return WebhookDelivery.objects.create(
        endpoint_id=endpoint_id,
        event_type=TEST_EVENT,
        payload={"message": "A test event from Basket Ops."},
        occurred_at=now,
        next_attempt_at=now,
        created_at=now,
    )
