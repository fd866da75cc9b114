"""Webhook services: endpoints, fan-out and delivery, the outgoing HTTP request."""

from .delivery import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    DispatchSummary,
    outbox_fan_out,
    retry_delay,
    webhook_attempts_record,
    webhook_body,
    webhook_deliveries_claim,
    webhook_deliveries_send,
    webhook_delivery_redeliver,
    webhook_headers,
    webhooks_dispatch,
)
from .endpoints import (
    endpoint_disabled_notify,
    endpoint_secret_new,
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_test_send,
)
from .http import HttpOutcome, UnsafeUrl, url_address_resolve, webhook_post

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_DELAYS",
    "DispatchSummary",
    "HttpOutcome",
    "UnsafeUrl",
    "endpoint_disabled_notify",
    "endpoint_secret_new",
    "outbox_fan_out",
    "retry_delay",
    "url_address_resolve",
    "webhook_attempts_record",
    "webhook_body",
    "webhook_deliveries_claim",
    "webhook_delivery_redeliver",
    "webhook_deliveries_send",
    "webhook_endpoint_create",
    "webhook_endpoint_enable",
    "webhook_headers",
    "webhook_post",
    "webhook_test_send",
    "webhooks_dispatch",
]
