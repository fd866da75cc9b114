"""Analytics out: outbox events sent to Google Analytics 4 through the Measurement Protocol.

The services run in the test process (one test runs them in a real worker); GA4 is a real
receiver process at ``GA4_BASE_URL``; the retry schedule is moved with time-machine.
"""

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from abandonment.services.capture import abandonment_sweep
from analytics.models import GA4Event, GA4Status
from analytics.services import EVENTS_PER_REQUEST, ga4_client_id, ga4_send
from analytics.tasks import ga4_send_task
from baskets.models import Basket, OutboxEvent, Stage
from baskets.services.storefront import basket_stage_move, line_add
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import SYSTEM, BasketFactory, LineFactory, ProductFactory
from tests.support.webhooks import receiver_running
from tests.support.workers import celery_workers, wait_until
from webhooks.services import webhooks_dispatch

MEASUREMENT_ID = "G-TEST12345"
API_SECRET = "test-api-secret"
ITEM_KEYS = {"item_id", "item_name", "price", "quantity"}


def ga4_on(settings, receiver) -> None:
    settings.GA4_MEASUREMENT_ID = MEASUREMENT_ID
    settings.GA4_API_SECRET = API_SECRET
    settings.GA4_BASE_URL = receiver.url


def posted(receiver) -> list[tuple[str, dict, dict]]:
    """(path, query, JSON body) of every request GA4 received."""
    requests = []
    for request in receiver.requests():
        url = urlsplit(request["path"])
        requests.append((url.path, parse_qs(url.query), json.loads(request["body"])))
    return requests


def assert_measurement_protocol(path: str, query: dict, body: dict) -> None:
    assert path.endswith("/mp/collect")
    assert query == {"measurement_id": [MEASUREMENT_ID], "api_secret": [API_SECRET]}
    assert set(body) == {"client_id", "events"}
    assert isinstance(body["client_id"], str) and body["client_id"]
    assert 1 <= len(body["events"]) <= EVENTS_PER_REQUEST
    for event in body["events"]:
        assert set(event) == {"name", "params", "timestamp_micros"}
        assert {"currency", "value", "items"} <= set(event["params"])
        assert isinstance(event["params"]["value"], float)
        for item in event["params"]["items"]:
            assert ITEM_KEYS <= set(item)


@pytest.mark.django_db
def test_add_to_cart_begin_checkout_purchase_and_abandonment_in_the_protocols_shape(
    tmp_path, settings
):
    """A shopper adds, checks out and buys; another basket is abandoned: four GA4 events,
    each with currency, value and items, under a pseudonymous client_id."""
    with receiver_running(tmp_path) as receiver:
        ga4_on(settings, receiver)
        ProductFactory(id="PRD-GA4", name="Safety course", price="19.90")
        shopper = BasketFactory(customer=True, currency="EUR")
        line_add(guid=shopper.guid, product_id="PRD-GA4", quantity=2)
        basket_stage_move(guid=shopper.guid, stage=Stage.LOGIN_REGISTER, actor=SYSTEM)
        bought = paid_basket(course=False)
        completion_run(worker="test")
        idle = BasketFactory(
            customer=True, last_activity_at=timezone.now() - timedelta(days=1), total="19.90"
        )
        LineFactory(basket=idle, product_id="PRD-GA4", quantity=1, unit_price=Decimal("19.90"))
        abandonment_sweep()

        webhooks_dispatch()
        summary = ga4_send()

    requests = posted(receiver)
    for path, query, body in requests:
        assert_measurement_protocol(path, query, body)
    by_client = {body["client_id"]: body["events"] for _, _, body in requests}
    assert (summary.sent, summary.failed_requests) == (4, 0)
    # One request per shopper, the shopper's events in the order they happened.
    shopper_events = by_client[ga4_client_id(str(shopper.shop_account.guid))]
    assert [event["name"] for event in shopper_events] == ["add_to_cart", "begin_checkout"]
    added, checkout = shopper_events
    assert added["params"] == {
        "currency": "EUR",
        "value": 39.8,
        "items": [
            {"item_id": "PRD-GA4", "item_name": "Safety course", "price": 19.9, "quantity": 2}
        ],
    }
    assert checkout["params"]["value"] == 39.8
    assert checkout["params"]["items"] == added["params"]["items"]
    assert checkout["timestamp_micros"] >= added["timestamp_micros"]

    bought.refresh_from_db()
    (purchase,) = by_client[ga4_client_id(str(bought.guid))]
    assert purchase["name"] == "purchase"
    assert purchase["params"]["transaction_id"] == bought.order.number
    assert (purchase["params"]["currency"], purchase["params"]["value"]) == (
        bought.currency,
        float(bought.total),
    )
    items = purchase["params"]["items"]
    assert sorted((item["item_id"], item["quantity"], item["price"]) for item in items) == [
        ("PRD-000", 1, 10.0),
        ("PRD-001", 2, 10.0),
    ]
    (abandoned,) = by_client[ga4_client_id(str(idle.shop_account.guid))]
    assert abandoned["name"] == "basket_abandoned"
    assert abandoned["params"]["value"] == 19.9
    assert [item["item_id"] for item in abandoned["params"]["items"]] == ["PRD-GA4"]
    # Pseudonymous: no e-mail or name of a shopper leaves.
    sent = json.dumps([body for _, _, body in requests])
    for account in (shopper.shop_account, idle.shop_account):
        assert account.email not in sent and account.name not in sent
    assert set(GA4Event.objects.values_list("status", flat=True)) == {GA4Status.SENT}


@pytest.mark.django_db
def test_one_shoppers_events_go_25_to_a_request(tmp_path, settings):
    """GA4 takes at most 25 events per request: 30 additions are two requests, same client."""
    with receiver_running(tmp_path) as receiver:
        ga4_on(settings, receiver)
        ProductFactory(id="PRD-GA4", price="5.00")
        basket = BasketFactory()
        for _ in range(30):
            line_add(guid=basket.guid, product_id="PRD-GA4", quantity=1)
        webhooks_dispatch()
        summary = ga4_send()

    requests = posted(receiver)
    assert (summary.requests, summary.sent) == (2, 30)
    assert [len(body["events"]) for _, _, body in requests] == [25, 5]
    assert {body["client_id"] for _, _, body in requests} == {ga4_client_id(str(basket.guid))}


@pytest.mark.django_db
def test_a_refused_request_is_retried_later_with_the_same_events(tmp_path, settings):
    """GA4 answers 500 then 204: the events wait their backoff, then go again, once."""
    with receiver_running(tmp_path, "--answers", "500,204") as receiver:
        ga4_on(settings, receiver)
        ProductFactory(id="PRD-GA4", price="5.00")
        basket = BasketFactory()
        line_add(guid=basket.guid, product_id="PRD-GA4", quantity=1)
        webhooks_dispatch()

        first = ga4_send()
        event = GA4Event.objects.get()
        assert (first.failed_requests, event.status, event.attempts) == (1, "pending", 1)
        assert event.last_error == "HTTP 500"
        assert event.next_attempt_at > timezone.now()
        assert ga4_send().requests == 0  # not due yet

        with time_machine.travel(event.next_attempt_at + timedelta(seconds=1)):
            second = ga4_send()

    assert (second.sent, second.failed_requests) == (1, 0)
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (GA4Status.SENT, 2, "")
    bodies = [body for _, _, body in posted(receiver)]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert API_SECRET not in event.last_error


@pytest.mark.django_db
def test_while_ga4_fails_the_rest_of_the_batch_waits_unsent(tmp_path, settings):
    """Two shoppers' events, GA4 answering 503: one request, then both wait their retry."""
    with receiver_running(tmp_path, "--answers", "503") as receiver:
        ga4_on(settings, receiver)
        ProductFactory(id="PRD-GA4", price="5.00")
        for basket in (BasketFactory(), BasketFactory()):
            line_add(guid=basket.guid, product_id="PRD-GA4", quantity=1)
        webhooks_dispatch()
        summary = ga4_send()

    assert (summary.requests, summary.failed_requests, summary.sent) == (1, 1, 0)
    assert len(receiver.requests()) == 1
    events = GA4Event.objects.all()
    assert {(event.status, event.attempts, event.last_error) for event in events} == {
        (GA4Status.PENDING, 1, "HTTP 503")
    }
    assert all(event.next_attempt_at > timezone.now() for event in events)


@pytest.mark.django_db
def test_off_without_measurement_id_and_secret(tmp_path, settings):
    """Unset settings: nothing is queued or sent; the outbox still serves webhooks."""
    with receiver_running(tmp_path) as receiver:
        settings.GA4_BASE_URL = receiver.url
        settings.GA4_MEASUREMENT_ID = MEASUREMENT_ID
        settings.GA4_API_SECRET = ""
        ProductFactory(id="PRD-GA4", price="5.00")
        line_add(guid=BasketFactory().guid, product_id="PRD-GA4", quantity=1)
        webhooks_dispatch()
        summary = ga4_send()

    assert summary.requests == 0 and receiver.requests() == []
    assert not GA4Event.objects.exists()
    assert OutboxEvent.objects.get().dispatched_at is not None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_what_a_storefront_request_recorded(tmp_path, settings):
    """The storefront's write only records the event; a real worker (the dispatch its commit
    asked for, then the GA4 send) posts it."""
    with receiver_running(tmp_path) as receiver:
        ProductFactory(id="PRD-GA4", name="Safety course", price="19.90")
        basket = BasketFactory()
        env = {
            "GA4_MEASUREMENT_ID": MEASUREMENT_ID,
            "GA4_API_SECRET": API_SECRET,
            "GA4_BASE_URL": receiver.url,
        }
        with celery_workers(1, **env):
            line_add(guid=basket.guid, product_id="PRD-GA4", quantity=3)
            wait_until(
                lambda: GA4Event.objects.filter(status=GA4Status.SENT).exists(),
                timeout=60,
                message="the worker did not send the GA4 event",
            )
            ga4_send_task.delay()  # a second run finds nothing more to send

    ((path, query, body),) = posted(receiver)
    assert_measurement_protocol(path, query, body)
    assert body["client_id"] == ga4_client_id(str(basket.guid))
    (event,) = body["events"]
    assert event["name"] == "add_to_cart"
    assert event["params"]["items"] == [
        {"item_id": "PRD-GA4", "item_name": "Safety course", "price": 19.9, "quantity": 3}
    ]
    assert Basket.objects.get(pk=basket.pk).total == Decimal("59.70")
