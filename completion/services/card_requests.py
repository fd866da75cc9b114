"""Seed 004: ask the customer of an unpaid order (accounts receivable) for a new card, by
e-mail in their language, with a link the shop handles; each send lands in the basket's
timeline. The texts are Application texts staff edit (``receivable_CardRequest*``)."""

import re

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from baskets.exceptions import StepNotAllowed
from baskets.locks import basket_lock_row
from baskets.models import Order, TimelineAction
from baskets.selectors import accounts_receivable_open_q
from baskets.services.actors import Actor
from baskets.services.transitions import event_record
from recovery.texts import text_render

ORDER_NUMBER = re.compile(r"\[OrderNumber\]", re.IGNORECASE)
CARD_LINK = re.compile(r"\[CardLink\]", re.IGNORECASE)


def card_request_link(order: Order) -> str:
    return settings.CARD_REQUEST_URL.format(order=order.number, guid=order.basket.guid)


def _render(key: str, order: Order, link: str) -> str:
    text = text_render(key, guid=str(order.basket.guid))
    text = ORDER_NUMBER.sub(lambda _match: order.number, text)
    return CARD_LINK.sub(lambda _match: link, text)


def order_card_request_send(*, order_id: int, actor: Actor) -> str:
    """Mail the customer of an open accounts-receivable order for a new card (their
    language, the shop's link) and record the send in the timeline; returns the address.
    No lock is held while mailing: read, send, then lock the basket to record."""
    order = (
        Order.objects.select_related("basket__shop_account")
        .filter(pk=order_id)
        .filter(accounts_receivable_open_q())
        .first()
    )
    if order is None:
        raise StepNotAllowed(f"Order {order_id} is not waiting in accounts receivable.")
    basket = order.basket
    account = basket.shop_account
    address = (account.email if account is not None else "") or basket.email
    if not address:
        raise StepNotAllowed(
            f"Order {order.number} has no customer e-mail address.", basket_id=basket.pk
        )
    link = card_request_link(order)
    language = basket.language or settings.LANGUAGE_CODE.split("-")[0]
    with translation.override(language):
        subject = _render("receivable_CardRequestSubject", order, link)
        body = _render("receivable_CardRequestBody", order, link)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    with transaction.atomic():
        locked = basket_lock_row(basket.pk)
        event_record(
            basket=locked,
            action=TimelineAction.RECEIVABLE_CARD_REQUEST,
            actor=actor,
            payload={"order": order.number, "language": language, "link": link},
            at=timezone.now(),
        )
    return address
