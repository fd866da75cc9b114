"""PV-5: reminder e-mails in the basket's language with the shop's look: HTML (``lang``) and
a text alternative, rendered from the templates staff edited, with the lines, the total in
the basket's currency, the recovery link with UTM parameters and the unsubscribe footer."""

import html as html_lib
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from constance import config

from abandonment.models import ReminderStep
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send
from baskets.links import basket_url
from recovery.links import recovery_link_recipient
from recovery.unsubscribe import unsubscribe_url
from tests.support.factories import BasketFactory, LineFactory, ProductFactory
from tests.support.recovery import login_shopper

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil.example/","x")'
STEPS = "/admin/abandonment/reminderstep/"

CASES = [
    # language, currency, the line's price and the total as the language writes them,
    # the unsubscribe footer's words.
    pytest.param("en", "GBP", "12.50", "45.00", "Unsubscribe from basket reminders", id="en"),
    pytest.param("da", "DKK", "12,50", "45,00", "Frameld påmindelser om kurven", id="da"),
    pytest.param("nl", "EUR", "12,50", "45,00", "Afmelden voor herinneringen", id="nl"),
    pytest.param("de", "CHF", "12,50", "45,00", "Keine Warenkorb-Erinnerungen", id="de"),
]


@pytest.fixture
def brand():
    config.SHOP_NAME = "Nordic Kettles"
    config.SHOP_LOGO_URL = "https://cdn.example.com/logo.png"
    config.SHOP_COLOUR = "#aa3300"
    config.SHOP_CONTACT_EMAIL = "help@nordic.example.com"
    config.SHOP_CONTACT_PHONE = "+45 12 34 56 78"
    config.REMINDER_UTM_SOURCE = "basket-mail"


def step_edited_by_staff(admin_client, language: str) -> ReminderStep:
    """One step, written through the step editor: English, and ``language``'s text."""
    ReminderStep.objects.all().delete()
    data = {
        "delay": "2 hours",
        "subject": "EN {{ shop.name }}: your basket",
        "body": "EN-BODY {{ greeting }} {{ total }} {{ currency }}",
        "active": "on",
        "coupon_valid_days": "7",
        "texts-TOTAL_FORMS": "0",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "0",
        "texts-MAX_NUM_FORMS": "3",
    }
    if language != "en":
        data |= {
            "texts-TOTAL_FORMS": "1",
            "texts-0-language": language,
            "texts-0-subject": f"{language.upper()} {{{{ shop.name }}}}: your basket",
            "texts-0-body": f"{language.upper()}-BODY {{{{ greeting }}}}",
        }
    answer = admin_client.post(f"{STEPS}add/", data)
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    step = ReminderStep.objects.get()
    assert step.delay == timedelta(hours=2)
    return step


def guest_basket(language: str, currency: str, **fields):
    """A guest's basket with two lines (2 x 12.50 and 1 x 20.00), last touched at START."""
    with time_machine.travel(START, tick=False):
        basket = BasketFactory(
            email="shopper@example.com", language=language, currency=currency,
            total=Decimal("45.00"), **fields,
        )
        kettle = ProductFactory(name="Copper kettle", price=Decimal("12.50"))
        mug = ProductFactory(name="Tea mug", price=Decimal("20.00"))
        LineFactory(basket=basket, product_id=kettle.pk, quantity=2, unit_price="12.50")
        LineFactory(basket=basket, product_id=mug.pk, quantity=1, unit_price="20.00")
    return basket


def reminded(mailoutbox):
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert abandonment_sweep()[0] == 1
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        assert basket_reminders_send() == (1, False)
    [mail] = mailoutbox
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    return mail, html


@pytest.mark.parametrize(("language", "currency", "price", "total", "footer"), CASES)
@pytest.mark.django_db
def test_html_and_text_in_the_baskets_language_from_the_edited_template(
    admin_client, mailoutbox, brand, language, currency, price, total, footer
):
    """SPEC: PV-5 AB-4 — both parts in the basket's language, from the staff-edited texts,
    with the lines, the total in the basket's currency, the link with UTM parameters, the
    shop's name, logo, colour and contact, and the unsubscribe footer; CSS inlined; the
    formula the shopper typed as their name never appears."""
    step_edited_by_staff(admin_client, language)
    basket = guest_basket(language, currency, payment_address={"name": FORMULA})

    mail, html = reminded(mailoutbox)

    marker = language.upper()
    assert mail.subject == f"{marker} Nordic Kettles: your basket"
    assert mail.extra_headers["Content-Language"] == language
    # SH-3: the mailed link carries the recipient-bound token, then the UTM parameters.
    [link] = re.findall(rf"{re.escape(basket_url(basket.guid))}\S*", mail.body)
    assert re.fullmatch(
        rf"{re.escape(basket_url(basket.guid))}\?t=[^&\s]+&utm_source=basket-mail"
        "&utm_medium=email&utm_campaign=basket-reminder&utm_content=reminder-1",
        link,
    )
    with time_machine.travel(START + timedelta(hours=3), tick=False):
        token = parse_qs(urlsplit(link).query)["t"][0]
        assert recovery_link_recipient(token, basket.guid).is_address_of(basket)
    unsubscribe = unsubscribe_url(email="shopper@example.com")
    lines = [f"2 x Copper kettle  {price} {currency}", f"1 x Tea mug  20{price[2]}00 {currency}"]
    for line in lines:
        assert line in mail.body
    assert f"{total} {currency}" in mail.body
    assert link in mail.body and unsubscribe in mail.body and footer in mail.body
    assert f"{marker}-BODY" in mail.body
    assert f'<html lang="{language}">' in html
    assert f"{marker}-BODY" in html
    for text in ("Copper kettle", "Tea mug", f"{price} {currency}", f"{total} {currency}",
                 "Nordic Kettles", "https://cdn.example.com/logo.png",
                 "help@nordic.example.com", footer):
        assert text in html, text
    assert f'href="{html_lib.escape(link)}"' in html
    assert f'href="{html_lib.escape(unsubscribe)}"' in html
    assert "<style" not in html and "#aa3300" in html  # inlined into style attributes
    for part in (mail.subject, mail.body, html):
        assert "HYPERLINK" not in part and "evil.example" not in part


@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        pytest.param("Ada Lovelace", "Hello Ada Lovelace,", id="account-name"),
        pytest.param(FORMULA, "Hello,", id="formula-in-account-name"),
        pytest.param("see www.evil.example", "Hello,", id="url-in-account-name"),
    ],
)
@pytest.mark.django_db
def test_a_login_is_greeted_by_the_shops_account_name_never_by_a_formula_or_url(
    admin_client, mailoutbox, name, greeting
):
    """SPEC: PV-5 — the name comes from the shop's own account data only, and even there a
    formula or a link is not used."""
    step_edited_by_staff(admin_client, "en")
    with time_machine.travel(START, tick=False):
        account = login_shopper("ada", email="ada@example.com")
        account.name = name
        account.save(update_fields=["name"])
        basket = BasketFactory(shop_account=account, customer=True, language="en")
        LineFactory(basket=basket)

    mail, html = reminded(mailoutbox)

    assert f"EN-BODY {greeting}" in mail.body
    assert f"EN-BODY {html_lib.escape(greeting)}" in html
    for part in (mail.subject, mail.body, html):
        assert "HYPERLINK" not in part and "evil.example" not in part


@pytest.mark.django_db
def test_a_basket_in_another_language_without_a_text_gets_the_english_mail(
    admin_client, mailoutbox
):
    """SPEC: PV-5 — a language the step has no text for falls back to English, footer too."""
    step_edited_by_staff(admin_client, "en")
    guest_basket("da", "DKK")

    mail, html = reminded(mailoutbox)

    assert mail.subject.startswith("EN ") and '<html lang="en">' in html
    assert "Unsubscribe from basket reminders" in mail.body


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        pytest.param("texts-0-body", "Hallo {{ nmae }}", "Unknown variable(s): nmae.",
                     id="unknown-variable"),
        pytest.param("texts-0-subject", "{% include 'x.html' %}", "cannot be used",
                     id="include"),
        pytest.param("texts-0-body", "{% for line in lines %}", "Not a valid template",
                     id="broken"),
    ],
)
@pytest.mark.django_db
def test_a_language_text_with_an_unknown_variable_is_refused(admin_client, field, value, problem):
    """SPEC: PV-5 — each language's text is checked like the English one; nothing saved."""
    data = {
        "delay": "2 hours", "subject": "Your basket", "body": "{{ greeting }}", "active": "on",
        "coupon_valid_days": "7", "texts-TOTAL_FORMS": "1", "texts-INITIAL_FORMS": "0",
        "texts-0-language": "de", "texts-0-subject": "Ihr Warenkorb",
        "texts-0-body": "{{ greeting }}", field: value,
    }
    before = ReminderStep.objects.count()

    answer = admin_client.post(f"{STEPS}add/", data)

    assert answer.status_code == 200 and problem in answer.content.decode()
    assert ReminderStep.objects.count() == before
