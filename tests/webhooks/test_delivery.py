"""Webhook delivery from the outbox to a real receiver process (IN-1).

The services run in the test process; the receiver is a separate HTTP server process; the
clock is moved with time-machine for the retry schedule, never slept through.
"""

import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from baskets.models import BasketEvent, EventType, Status
from baskets.roles import ADMINISTRATOR
from baskets.services.transitions import basket_lock, basket_mark_paid
from tests.support.factories import SYSTEM, BasketFactory, UserFactory
from tests.support.webhooks import endpoint_for, receiver_running
from tests.support.workers import wait_until
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.services import (
    MAX_ATTEMPTS,
    webhook_delivery_redeliver,
    webhook_test_send,
    webhooks_dispatch,
)
from webhooks.services.http import UnsafeUrl, url_address_resolve

STATUS_CHANGED = EventType.BASKET_STATUS_CHANGED


@pytest.mark.django_db
def test_an_event_is_delivered_signed_and_kept_with_its_attempt(tmp_path, settings):
    """SPEC: IN-1 — Standard Webhooks headers, verified with the reference library."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket = BasketFactory()
        basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending payment")

        summary = webhooks_dispatch()

    assert (summary.events, summary.deliveries_made, summary.delivered) == (1, 1, 1)
    ((webhook_id, envelope),) = receiver.verified(endpoint.secret)
    assert envelope["type"] == STATUS_CHANGED
    assert envelope["data"]["basket_guid"] == str(basket.guid)
    assert (envelope["data"]["from_status"], envelope["data"]["to_status"]) == (
        Status.ACTIVE,
        Status.LOCKED,
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.message_id == webhook_id
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 1)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.succeeded, attempt.endpoint_id) == (200, True, endpoint.pk)
    assert attempt.response_excerpt == '{"received": 0}'
    note = BasketEvent.objects.get(basket=basket, action="webhook_delivered")
    assert note.payload["webhook_id"] == webhook_id


@pytest.mark.django_db
def test_only_endpoints_that_want_the_event_type_get_it(tmp_path, settings):
    """SPEC: IN-1 — event types per endpoint; an inactive endpoint gets nothing."""
    with receiver_running(tmp_path) as receiver:
        endpoint_for(receiver, EventType.ORDER_CREATED, settings=settings)
        inactive = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        inactive.active = False
        inactive.save(update_fields=["active"])
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")

        summary = webhooks_dispatch()

    assert (summary.events, summary.deliveries_made) == (1, 0)
    assert receiver.requests() == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transition_sends_nothing(tmp_path, settings):
    """SPEC: IN-1 — no event for a change that never committed."""
    with receiver_running(tmp_path) as receiver:
        endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket = BasketFactory()
        with pytest.raises(RuntimeError), transaction.atomic():
            basket_mark_paid(basket_id=basket.pk, actor=SYSTEM)
            raise RuntimeError("rolled back")

        summary = webhooks_dispatch()

    assert (summary.events, summary.sent) == (0, 0)
    assert receiver.requests() == []


@pytest.mark.django_db
def test_a_receiver_answering_500_then_200_gets_the_same_webhook_id_twice(tmp_path, settings):
    """SPEC: IN-1 — retried with backoff, same webhook-id, every attempt kept."""
    with receiver_running(tmp_path, "--answers", "500,200") as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        # The retry is due 5 s +-20 % after the failed attempt's outcome was recorded, a
        # moment inside this dispatch, however long a busy machine takes over it.
        before = timezone.now()
        first = webhooks_dispatch()
        after = timezone.now()
        delivery = WebhookDelivery.objects.get()
        # Just before the retry is due (the clock stands still): nothing is sent.
        with time_machine.travel(delivery.next_attempt_at - timedelta(seconds=1), tick=False):
            nothing_due = webhooks_dispatch()
        with time_machine.travel(delivery.next_attempt_at, tick=True):
            second = webhooks_dispatch()
        verified = receiver.verified(endpoint.secret)

    assert (first.sent, first.delivered, nothing_due.sent, second.delivered) == (1, 0, 0, 1)
    assert before <= delivery.last_attempt_at <= after
    retry_at = delivery.next_attempt_at
    assert before + timedelta(seconds=4) <= retry_at <= after + timedelta(seconds=6)
    (first_id, first_body), (second_id, second_body) = verified
    assert first_id == second_id == WebhookDelivery.objects.get().message_id
    assert first_body == second_body
    assert list(WebhookAttempt.objects.order_by("number").values_list("number", "status_code")) == [
        (1, 500),
        (2, 200),
    ]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


@pytest.mark.django_db
def test_a_receiver_sleeping_past_the_read_timeout_holds_the_sender_only_that_long(
    tmp_path, settings
):
    """SPEC: IN-1 — a hanging receiver costs one timeout, the attempt is kept, retried later."""
    settings.WEBHOOK_READ_TIMEOUT = 1
    with receiver_running(tmp_path, "--sleep-first", "1", "--sleep", "5") as receiver:
        endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        started = time.monotonic()
        summary = webhooks_dispatch()
        elapsed = time.monotonic() - started

    assert elapsed < 3
    assert (summary.sent, summary.delivered) == (1, 0)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("Timed out")
    assert 900 <= attempt.duration_ms < 3000
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_slow_drip_receiver_is_cut_at_the_deadline_and_not_sent_twice(tmp_path, settings):
    """SPEC: IN-1 — one byte every 2 s never trips a read timeout; the attempt's deadline
    (connect, headers and body together) cuts it, inside the lease, so a second dispatcher
    running meanwhile claims nothing and the receiver gets the delivery once."""
    settings.WEBHOOK_ATTEMPT_DEADLINE = 5
    with receiver_running(tmp_path, "--drip", "2") as receiver:
        endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        outcome = {}

        def first_dispatcher():
            started = time.monotonic()
            try:
                outcome["summary"] = webhooks_dispatch()
            finally:
                outcome["elapsed"] = time.monotonic() - started
                connection.close()

        first = threading.Thread(target=first_dispatcher)
        first.start()
        wait_until(lambda: len(receiver.requests()) == 1, timeout=30, poll=0.05)
        second = webhooks_dispatch()
        first.join(timeout=60)
        assert not first.is_alive()
        assert receiver.requests()[0]["number"] == 0 and len(receiver.requests()) == 1

    assert (second.sent, second.delivered) == (0, 0)
    assert (outcome["summary"].sent, outcome["summary"].delivered) == (1, 0)
    assert 5 <= outcome["elapsed"] < 9, outcome["elapsed"]
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and attempt.error.startswith("Timed out")
    assert 4900 <= attempt.duration_ms < 8000
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.lease_until) == (
        DeliveryStatus.PENDING, 1, None
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    ["64:ff9b::7f00:1", "2002:a9fe:a9fe::1", "::7f00:1", "::a00:1", "fec0::1", "::ffff:10.0.0.1"],
    ids=["nat64-loopback", "6to4-link-local", "ipv4-compatible", "ipv4-compatible-private",
         "site-local", "ipv4-mapped"],
)  # fmt: skip
def test_ipv6_forms_carrying_a_private_ipv4_address_are_refused(address, monkeypatch):
    """SPEC: IN-1 — an IPv6 address is judged by the IPv4 address it carries."""
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kwargs: [(None, None, None, "", (address, 443))]
    )
    with pytest.raises(UnsafeUrl):
        url_address_resolve("https://hooks.example/", allow_private=False)


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111", "8.8.8.8"]
)
def test_public_addresses_in_any_form_are_accepted(address, monkeypatch):
    """SPEC: IN-1"""
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *args, **kwargs: [(None, None, None, "", (address, 443))]
    )
    assert url_address_resolve("https://hooks.example/", allow_private=False) == address


@pytest.mark.django_db
def test_a_redirect_is_not_followed(tmp_path, settings):
    """SPEC: IN-1 — a 3xx answer is a failed attempt; the Location is never requested."""
    with receiver_running(tmp_path, "--answers", "302", "--location", "/elsewhere") as receiver:
        endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        summary = webhooks_dispatch()

    assert (summary.sent, summary.delivered) == (1, 0)
    assert [request["path"] for request in receiver.requests()] == ["/hooks"]
    assert WebhookAttempt.objects.get().status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.2", "[::1]"])
def test_an_endpoint_resolving_to_a_loopback_address_is_refused_by_default(
    tmp_path, settings, host
):
    """SPEC: IN-1 — no request to a non-public address unless WEBHOOK_ALLOW_PRIVATE_URLS."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        endpoint.url = receiver.url.replace("127.0.0.1", host)
        endpoint.save(update_fields=["url"])
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        summary = webhooks_dispatch()

    assert (summary.sent, summary.delivered) == (1, 0)
    assert receiver.requests() == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "non-public address" in attempt.error


@pytest.mark.django_db
def test_a_delivery_gives_up_after_about_a_day_and_the_endpoint_is_disabled(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    """SPEC: IN-1 — the whole schedule, then Failed; admins are e-mailed once."""
    # The schedule spans 22-33 h with its jitter; failing for 20 h disables the endpoint.
    settings.WEBHOOK_DISABLE_AFTER = timedelta(hours=20)
    admin = UserFactory(username="sysadmin", email="sysadmin@example.com", is_staff=True)
    admin.groups.add(Group.objects.get(name=ADMINISTRATOR))
    UserFactory(username="processor", email="processor@example.com", is_staff=True)
    with receiver_running(tmp_path, "--answers", "500") as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        started = timezone.now()
        with time_machine.travel(started, tick=True) as clock:
            for _ in range(MAX_ATTEMPTS):
                with django_capture_on_commit_callbacks(execute=True):
                    webhooks_dispatch()
                delivery = WebhookDelivery.objects.get()
                if delivery.status != DeliveryStatus.PENDING:
                    break
                clock.move_to(delivery.next_attempt_at + timedelta(seconds=1))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert len(receiver.requests()) == MAX_ATTEMPTS
    span = delivery.failed_at - started
    assert timedelta(hours=20) < span < timedelta(hours=34)
    endpoint.refresh_from_db()
    assert endpoint.active is False and endpoint.disabled_at is not None
    (message,) = mail.outbox
    assert message.to == ["sysadmin@example.com"]
    assert endpoint.url in message.subject


@pytest.mark.django_db
def test_redeliver_sends_the_same_webhook_id_again(tmp_path, settings):
    """SPEC: IN-1 — redelivery by hand keeps the id, so the receiver can drop the repeat."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        basket_lock(basket_id=BasketFactory().pk, actor=SYSTEM, reason="pending")
        webhooks_dispatch()
        assert webhook_delivery_redeliver(delivery_id=WebhookDelivery.objects.get().pk)
        webhooks_dispatch()
        verified = receiver.verified(endpoint.secret)

    assert len(verified) == 2 and verified[0] == verified[1]


@pytest.mark.django_db
def test_a_test_event_reaches_even_a_disabled_endpoint(tmp_path, settings):
    """SPEC: IN-1 — "send test event" from the admin."""
    with receiver_running(tmp_path) as receiver:
        endpoint = endpoint_for(receiver, STATUS_CHANGED, settings=settings)
        endpoint.active = False
        endpoint.save(update_fields=["active"])
        webhook_test_send(endpoint_id=endpoint.pk)
        webhooks_dispatch()
        ((_, envelope),) = receiver.verified(endpoint.secret)

    assert envelope["type"] == "webhook.test"
