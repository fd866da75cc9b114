"""PV-5: a reminder e-mail as it goes out: HTML (its ``lang`` naming the mail's language,
CSS inlined for mail clients by css-inline) with a text alternative, both laid out around
the step's staff-edited subject and body (``templates/abandonment/email/reminder.*``):
the shop's name, logo, colours and contact (live settings), the basket's lines and total
in its currency, the recovery link with UTM parameters (live settings) and the unsubscribe
footer, in the basket's language (English, Danish, Dutch, German).

The greeting is neutral unless the name is the shop's own account data (the login's name):
a name a shopper typed into the checkout never reaches a mail.

Staff templates may use only ``VARIABLES``; anything else, and the tags that reach outside
the mail (``load``, ``include``, ``extends``, ``debug``), is refused when the step is saved
or previewed (``reminder_template_problems``).
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import css_inline
from django.template import Context, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy

from basketops.business import business_setting
from baskets.currencies import currency_minor_unit
from baskets.links import basket_url
from baskets.models import Basket, Coupon
from recovery.links import recovery_link_url

from ..models import MailLanguage, ReminderStep, ReminderStepText
from .reminder_texts import MAIL_TEXTS

DEFAULT_LANGUAGE = MailLanguage.ENGLISH.value
# What staff templates may use, with what it holds (the step editor's help text).
# The variables and what each holds (the step's form shows them in the staff member's
# language).
VARIABLES = {
    "greeting": gettext_lazy("“Hello Ada,” with the login's name, else a neutral “Hello,”"),
    "name": gettext_lazy("the login's name from the shop's account data; empty for a guest"),
    "Basket": gettext_lazy("Basket.BasketUrl (the recovery link) and Basket.BasketGUID"),
    "lines": gettext_lazy("each line: quantity, name, product_id, variant_id, unit_price"),
    "total": gettext_lazy("the basket's total (in its currency)"),
    "currency": gettext_lazy("the basket's currency code"),
    "shop": gettext_lazy("shop.name, shop.url, shop.contact_email, shop.contact_phone"),
    "coupon": gettext_lazy(
        "the step's personal coupon: coupon.code, coupon.offer, coupon.valid_until"
    ),
}
REFUSED_TAGS = ("load", "include", "extends", "debug", "ssi", "templatetag")
_TAG = re.compile(r"{%\s*(\w+)")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}\Z")
# A name that reads as a spreadsheet formula or carries a link is not used to greet.
_UNSAFE_NAME = re.compile(r"^[=+\-@]|://|www\.", re.IGNORECASE)
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


@dataclass(frozen=True)
class ReminderMail:
    language: str
    subject: str
    text: str
    html: str


# --- the staff templates ----------------------------------------------------------------
def _roots(expression: FilterExpression) -> Iterator[str]:
    """The variable names an expression (and its filters' arguments) starts from."""
    var = expression.var
    if isinstance(var, Variable) and var.lookups:
        yield var.lookups[0]
    for _function, arguments in expression.filters:
        for is_variable, argument in arguments:
            if is_variable and isinstance(argument, Variable) and argument.lookups:
                yield argument.lookups[0]


def _condition_roots(condition) -> Iterator[str]:
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield from _roots(value)
    for side in ("first", "second"):
        part = getattr(condition, side, None)
        if part is not None:
            yield from _condition_roots(part)


def _unknown(nodelist, bound: frozenset[str], found: set[str]) -> None:
    def check(names):
        found.update(name for name in names if name not in bound)

    for node in nodelist:
        if isinstance(node, VariableNode):
            check(_roots(node.filter_expression))
        elif isinstance(node, ForNode):
            check(_roots(node.sequence))
            _unknown(node.nodelist_loop, bound | {*node.loopvars, "forloop"}, found)
            _unknown(node.nodelist_empty, bound, found)
            continue
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    check(_condition_roots(condition))
                _unknown(branch, bound, found)
            continue
        elif isinstance(node, WithNode):
            for value in node.extra_context.values():
                check(_roots(value))
            _unknown(node.nodelist, bound | set(node.extra_context), found)
            continue
        for attribute in node.child_nodelists:
            child = getattr(node, attribute, None)
            if child:
                _unknown(child, bound, found)


def reminder_template_problems(source: str) -> list[str]:
    """Why a subject or body cannot be saved: a template error, a refused tag, or a
    variable the mail does not have (it would render blank: "Hi ,"). Empty: fine."""
    refused = sorted({tag for tag in _TAG.findall(source) if tag in REFUSED_TAGS})
    if refused:
        return [f"The tag(s) {', '.join(refused)} cannot be used in a reminder."]
    try:
        template = Template(source)
    except TemplateSyntaxError as error:
        return [f"Not a valid template: {error}"]
    found: set[str] = set()
    _unknown(template.nodelist, frozenset(VARIABLES), found)
    if found:
        allowed = ", ".join(VARIABLES)
        return [f"Unknown variable(s): {', '.join(sorted(found))}. Use: {allowed}."]
    return []


def _render(source: str, context: dict, *, autoescape: bool) -> str:
    return Template(source).render(Context(context, autoescape=autoescape))


# --- language, brand, names, money and links --------------------------------------------
def mail_language(basket: Basket | None) -> str:
    """The basket's language when the mails speak it, else English."""
    language = (getattr(basket, "language", "") or "").split("-")[0].lower()
    return language if language in MailLanguage.values else DEFAULT_LANGUAGE


def step_texts(step: ReminderStep, language: str) -> tuple[str, str, str]:
    """The step's (language, subject, body) for ``language``: its text in that language,
    else its English one."""
    if language != DEFAULT_LANGUAGE:
        text = ReminderStepText.objects.filter(step=step, language=language).first()
        if text is not None:
            return language, text.subject, text.body
    return DEFAULT_LANGUAGE, step.subject, step.body


def shop_brand() -> dict[str, str]:
    """The shop's name, URL, logo, colours and contact (live settings)."""
    colour = business_setting("SHOP_COLOUR")
    text_colour = business_setting("SHOP_TEXT_COLOUR")
    return {
        "name": business_setting("SHOP_NAME"),
        "url": business_setting("SHOP_URL"),
        "logo_url": business_setting("SHOP_LOGO_URL"),
        # They go into the mail's style: anything but #rrggbb is the default.
        "colour": colour if _COLOUR.match(colour or "") else "#1f4e79",
        "text_colour": text_colour if _COLOUR.match(text_colour or "") else "#ffffff",
        "contact_email": business_setting("SHOP_CONTACT_EMAIL"),
        "contact_phone": business_setting("SHOP_CONTACT_PHONE"),
    }


def greeting_name(basket: Basket | None, email: str) -> str:
    """The login's own name (the shop's account data) when the mail goes to the login's
    address; else "" (a neutral greeting). Never a name typed into the checkout."""
    account = basket.shop_account if basket is not None and basket.shop_account_id else None
    if account is None or account.email.strip().lower() != email.strip().lower():
        return ""
    name = " ".join(account.name.split())
    return "" if _UNSAFE_NAME.search(name) else name


def money(amount, language: str, currency: str) -> str:
    """An amount written as the mail's language writes it, with the currency's digits
    (SH-2: "1.571" yen in Danish, "10,50" euro)."""
    with translation.override(language):
        return formats.number_format(
            Decimal(str(amount)), currency_minor_unit(currency), use_l10n=True
        )


def coupon_offer(coupon: Coupon, language: str) -> dict[str, str]:
    """What the mail says about a coupon: its code, what it takes off, until when."""
    if coupon.amount_off is not None:
        offer = f"-{money(coupon.amount_off, language, coupon.currency)} {coupon.currency}"
    else:
        with translation.override(language):
            percent = formats.number_format(coupon.percent_off.normalize(), use_l10n=True)
        offer = f"-{percent}%"
    with translation.override(language):
        until = formats.date_format(timezone.localtime(coupon.valid_until), "SHORT_DATE_FORMAT")
    return {"code": coupon.code, "offer": offer, "valid_until": until}


def reminder_recovery_link(basket: Basket, email: str) -> str:
    """SH-3: the recovery link mailed to ``email``, bound to that recipient (the login when
    it is the login's own address, else the address); every reminder link is made here."""
    account = basket.shop_account if basket.shop_account_id else None
    if account is not None and account.email.strip().lower() == email.strip().lower():
        return recovery_link_url(basket, account)
    return recovery_link_url(basket, email)


def link_with_utm(url: str, content: str) -> str:
    """``url`` with the live UTM parameters and ``utm_content``; its own query is kept."""
    parameters = [
        ("utm_source", business_setting("REMINDER_UTM_SOURCE")),
        ("utm_medium", business_setting("REMINDER_UTM_MEDIUM")),
        ("utm_campaign", business_setting("REMINDER_UTM_CAMPAIGN")),
        ("utm_content", content),
    ]
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in parameters if value]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the mail ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MailBasket:
    """What a reminder says about the basket (from the abandonment, or a sample)."""

    guid: str
    link: str
    name: str
    lines: list[dict]
    total: Decimal
    currency: str


def _context(basket: MailBasket, language: str, coupon: dict | None) -> dict:
    texts = MAIL_TEXTS[language]
    greeting = (
        texts["greeting_named"].format(name=basket.name) if basket.name else texts["greeting"]
    )
    brand = shop_brand()
    return {
        "greeting": greeting,
        "name": basket.name,
        "Basket": {"BasketGUID": basket.guid, "BasketUrl": basket.link},
        "lines": [
            {**line, "unit_price": money(line["unit_price"], language, basket.currency)}
            for line in basket.lines
        ],
        "total": money(basket.total, language, basket.currency),
        "currency": basket.currency,
        "shop": {key: brand[key] for key in ("name", "url", "contact_email", "contact_phone")},
        "coupon": coupon or "",
    }


def reminder_mail_render(
    *,
    subject: str,
    body: str,
    language: str,
    basket: MailBasket,
    unsubscribe: str,
    coupon: dict | None = None,
    message: str = "",
) -> ReminderMail:
    """PV-5: the mail for ``basket`` from a step's ``subject`` and ``body`` templates, with an
    optional personal ``message`` from staff (plain text, escaped in the HTML)."""
    context = _context(basket, language, coupon)
    texts = MAIL_TEXTS[language]
    brand = shop_brand()
    rendered_subject = " ".join(_render(subject, context, autoescape=False).split())
    layout = {
        **context,
        "language": language,
        "subject": rendered_subject,
        "texts": texts,
        "brand": brand,
        "reason": texts["reason"].format(shop=brand["name"]),
        "link": basket.link,
        "unsubscribe": unsubscribe,
        "message": message,
        "coupon_text": (
            texts["coupon"].format(
                code=coupon["code"], offer=coupon["offer"], until=coupon["valid_until"]
            )
            if coupon
            else ""
        ),
        "body_text": _render(body, context, autoescape=False).strip(),
        "body_html": linebreaks(_render(body, context, autoescape=True).strip()),
    }
    html = render_to_string("abandonment/email/reminder.html", layout)
    text = render_to_string("abandonment/email/reminder.txt", layout)
    return ReminderMail(
        language=language, subject=rendered_subject, text=text, html=_INLINER.inline(html)
    )


# What a preview shows in place of a real basket (no shopper's data).
SAMPLE_BASKET = MailBasket(
    guid="00000000-0000-4000-8000-000000000000",
    link="",
    name="Ada Lovelace",
    lines=[
        {
            "quantity": 2,
            "name": "Kettle",
            "product_id": "PRD-1",
            "variant_id": "",
            "unit_price": "10.00",
        },
    ],
    total=Decimal("20.00"),
    currency="EUR",
)


def reminder_mail_preview(*, subject: str, body: str, language: str) -> ReminderMail:
    """The mail for a sample basket, as a step's (unsaved) texts would make it."""
    guid = SAMPLE_BASKET.guid
    sample = MailBasket(
        **{
            **SAMPLE_BASKET.__dict__,
            "link": link_with_utm(basket_url(guid), "reminder-1"),
        }
    )
    unsubscribe = f"{business_setting('SHOP_URL').rstrip('/')}/…"
    return reminder_mail_render(
        subject=subject,
        body=body,
        language=language,
        basket=sample,
        unsubscribe=unsubscribe,
        coupon={"code": "SAMPLE-CODE", "offer": "10%", "valid_until": "2026-12-31"},
    )
