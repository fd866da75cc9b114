"""Asking an unpaid order's customer for a new card (seed 004, SPEC AB-5 PV-5): an e-mail in
their language from the editable Application texts, with the shop's link, each send in the
basket's timeline; refused with a message when the order is settled or has no address."""

from decimal import Decimal

import pytest
from django.utils import timezone

from baskets.models import BasketEvent, Order
from baskets.models.orders import order_number
from recovery.models import ApplicationText
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory

ORDERS = "/admin/baskets/order/"


@pytest.fixture
def processor(client):
    client.force_login(staff_user("Order processor", "olga"))
    return client


def unpaid_order(**basket_fields) -> Order:
    basket = BasketFactory(**basket_fields)
    return Order.objects.create(
        basket=basket,
        number=order_number(basket.pk),
        total=Decimal("49.00"),
        currency="EUR",
        accounts_receivable_at=timezone.now(),
        accounts_receivable_note="Card declined.",
    )


def ask(client, order: Order):
    return client.post(
        ORDERS, {"action": "request_new_card", "_selected_action": [order.pk]}, follow=True
    )


@pytest.mark.django_db
def test_the_mail_speaks_the_customers_language_links_the_shop_and_is_in_the_timeline(
    processor, mailoutbox, settings
):
    """SPEC: AB-5 PV-5 — the staff-edited German text for a German basket; the link the
    shop handles; one timeline entry per send, with who sent it."""
    settings.CARD_REQUEST_URL = "https://shop.example/orders/{order}/card/?basket={guid}"
    ApplicationText.objects.update_or_create(
        key="receivable_CardRequestSubject",
        language="de",
        defaults={"text": "Bestellung [OrderNumber]: neue Karte"},
    )
    ApplicationText.objects.update_or_create(
        key="receivable_CardRequestBody",
        language="de",
        defaults={"text": "Bitte hier: [CardLink] (Warenkorb [BasketGuid])"},
    )
    order = unpaid_order(language="de", email="kunde@example.com")
    link = f"https://shop.example/orders/{order.number}/card/?basket={order.basket.guid}"

    response = ask(processor, order)
    ask(processor, order)

    assert [str(m) for m in response.context["messages"]] == ["New card asked for: 1 order(s)."]
    assert len(mailoutbox) == 2
    mail = mailoutbox[0]
    assert mail.to == ["kunde@example.com"]
    assert mail.subject == f"Bestellung {order.number}: neue Karte"
    assert mail.body == f"Bitte hier: {link} (Warenkorb {order.basket.guid})"
    events = BasketEvent.objects.filter(basket=order.basket, action="receivable_card_request")
    assert events.count() == 2
    event = events.first()
    assert event.actor_label == "staff:olga"
    assert event.payload == {"order": order.number, "language": "de", "link": link}


@pytest.mark.django_db
def test_without_a_language_the_default_english_text(processor, mailoutbox):
    """SPEC: AB-5 PV-5"""
    order = unpaid_order(email="ada@example.com")
    ask(processor, order)
    assert mailoutbox[0].subject == f"Your order {order.number}: please give us a new card"
    assert f"/orders/{order.number}/card/?basket={order.basket.guid}" in mailoutbox[0].body


@pytest.mark.parametrize("case", ["settled", "no-address"])
@pytest.mark.django_db
def test_refused_with_a_message_and_nothing_sent(processor, mailoutbox, case):
    """SPEC: AB-5 section 7"""
    if case == "settled":
        order = unpaid_order(email="ada@example.com")
        Order.objects.filter(pk=order.pk).update(
            accounts_receivable_settled_at=timezone.now(),
            accounts_receivable_outcome="payment_received",
        )
        message = f"Refused {order.number}: Order {order.pk} is not waiting in accounts receivable."
    else:
        order = unpaid_order(email="")
        message = f"Refused {order.number}: Order {order.number} has no customer e-mail address."

    response = ask(processor, order)

    assert [str(m) for m in response.context["messages"]] == [message]
    assert mailoutbox == []
    assert not BasketEvent.objects.filter(action="receivable_card_request").exists()


@pytest.mark.django_db
def test_a_language_without_an_edited_text_speaks_the_translated_default(processor, mailoutbox):
    """SPEC: AB-5 PV-5 — no Danish row: the shipped Danish translation."""
    order = unpaid_order(language="da", email="kunde@example.dk")
    ask(processor, order)
    assert mailoutbox[0].subject == f"Din ordre {order.number}: giv os venligst et nyt kort"
