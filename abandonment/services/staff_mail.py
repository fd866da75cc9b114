"""Staff's "send a recovery e-mail" from the basket page: the basket's lines, the recovery
link and an optional personal message, in the shopper's language with the shop's look;
previewed before it goes, and recorded in the basket's timeline."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from baskets.models import Basket, Product, Status, TimelineAction
from baskets.services.actors import Actor
from baskets.services.transitions import event_record
from recovery.unsubscribe import unsubscribe_url

from ..exceptions import RecoveryMailRefused
from .recipients import address_refusal
from .reminder_mail import (
    MailBasket,
    ReminderMail,
    greeting_name,
    link_with_utm,
    mail_language,
    reminder_mail_render,
    reminder_recovery_link,
)
from .reminder_texts import MAIL_TEXTS

MESSAGE_MAX = 2_000


def _recipient(basket: Basket) -> str:
    account = basket.shop_account
    return account.email if account is not None and account.email else basket.email


def basket_recovery_mail_build(*, basket: Basket, message: str = "") -> tuple[ReminderMail, str]:
    """The mail and its recipient, or ``RecoveryMailRefused``: the basket must be Active
    with lines and an address that did not opt out, bounce or complain."""
    if basket.status != Status.ACTIVE:
        raise RecoveryMailRefused("Only an Active basket can be recovered.")
    lines = list(basket.lines.order_by("id"))
    if not lines:
        raise RecoveryMailRefused("The basket is empty.")
    recipient = _recipient(basket)
    refusal = address_refusal(recipient)
    if refusal:
        raise RecoveryMailRefused(refusal)
    if len(message) > MESSAGE_MAX:
        raise RecoveryMailRefused(f"The message can be at most {MESSAGE_MAX} characters.")
    names = dict(
        Product.objects.filter(pk__in={line.product_id for line in lines}).values_list(
            "pk", "name"
        )
    )
    account = basket.shop_account
    unsubscribe = (
        unsubscribe_url(account.guid)
        if account is not None and account.email == recipient
        else unsubscribe_url(email=recipient)
    )
    language = mail_language(basket)
    mail = reminder_mail_render(
        subject=MAIL_TEXTS[language]["staff_subject"].replace("{shop}", "{{ shop.name }}"),
        body="{{ greeting }}",
        language=language,
        basket=MailBasket(
            guid=str(basket.guid),
            link=link_with_utm(reminder_recovery_link(basket, recipient), "staff"),
            name=greeting_name(basket, recipient),
            lines=[
                {"quantity": line.quantity, "name": names.get(line.product_id, line.product_id),
                 "product_id": line.product_id, "variant_id": line.variant_id,
                 "unit_price": line.unit_price}
                for line in lines
            ],
            total=basket.total,
            currency=basket.currency,
        ),
        unsubscribe=unsubscribe,
        message=message.strip(),
    )
    return mail, recipient


def basket_recovery_mail_send(*, basket_id: int, message: str, actor: Actor) -> str:
    """Send the staff recovery e-mail (no lock held while mailing) and record it in the
    basket's timeline with the personal message; returns the recipient."""
    basket = Basket.objects.select_related("shop_account").get(pk=basket_id)
    mail, recipient = basket_recovery_mail_build(basket=basket, message=message)
    email = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"Content-Language": mail.language},
    )
    email.attach_alternative(mail.html, "text/html")
    email.send()
    message = message.strip()
    event_record(
        basket=basket,
        action=TimelineAction.REMINDER_SENT,
        actor=actor,
        reason="Recovery e-mail sent by staff" + (f": {message[:150]}" if message else ""),
        payload={"staff_mail": True, "message": message},
    )
    return recipient
