"""Staff's recovery e-mail from the basket page: a preview first, then the mail with the
personal message reaches the shopper and is in the basket's timeline; the basket page shows
the recovery link with a copy button."""

from decimal import Decimal

import pytest

from abandonment.models import ReminderSuppression
from baskets.links import basket_url
from baskets.models import BasketEvent, Status
from baskets.roles import ADMINISTRATOR, ORDER_PROCESSOR
from tests.support.clients import staff_user
from tests.support.factories import basket_in_status
from tests.support.recovery import basket_with_line, login_shopper

MESSAGE = "Hi Ada, as promised on the phone: your kettle is back in stock. <b>Olga</b>"


def mail_page(basket) -> str:
    return f"/admin/abandonment/abandonment/recovery-mail/{basket.pk}/"


@pytest.fixture
def basket():
    account = login_shopper("ada", email="ada@example.com")
    account.name = "Ada Lovelace"
    account.save(update_fields=["name"])
    return basket_with_line(customer=True, shop_account=account, language="de")


@pytest.mark.django_db
def test_a_staff_mail_with_a_personal_message_reaches_the_shopper_and_the_timeline(
    client, mailoutbox, basket
):
    """SPEC: AB-4 RL-8 — preview sends nothing; send mails the lines, the link and the
    message (escaped in the HTML) in the basket's language, and the timeline shows it."""
    client.force_login(staff_user(ADMINISTRATOR, "olga"))

    preview = client.post(mail_page(basket), {"message": MESSAGE, "preview": "Preview"})
    assert preview.status_code == 200 and mailoutbox == []
    assert not BasketEvent.objects.filter(basket=basket, action="reminder_sent").exists()
    page = preview.content.decode()
    assert "Ihr Warenkorb bei Shop" in page and "your kettle is back in stock" in page
    sent = client.post(mail_page(basket), {"message": MESSAGE, "send": "Send"})

    assert sent.status_code == 302
    assert sent["Location"] == f"/admin/baskets/basket/{basket.pk}/change/"
    [mail] = mailoutbox
    [(html, _mimetype)] = mail.alternatives
    assert mail.to == ["ada@example.com"] and mail.subject == "Ihr Warenkorb bei Shop"
    assert MESSAGE in mail.body and "Hallo Ada Lovelace," in mail.body
    assert "your kettle is back in stock. &lt;b&gt;Olga&lt;/b&gt;" in html
    assert f"{basket_url(basket.guid)}?t=" in mail.body
    assert "&utm_source=basketops&utm_medium=email" in mail.body
    assert "2 x " in mail.body and "10,00 EUR" in mail.body
    event = BasketEvent.objects.get(basket=basket, action="reminder_sent")
    assert event.actor_label == "staff:olga"
    assert event.reason.startswith("Recovery e-mail sent by staff: Hi Ada")
    assert event.payload == {"staff_mail": True, "message": MESSAGE}
    timeline = client.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert "Recovery e-mail sent by staff" in timeline


@pytest.mark.django_db
def test_the_basket_page_shows_the_recovery_link_with_a_copy_button(client, basket):
    """SPEC: RL-8 — the link to read out, a copy button, and the recovery e-mail for those
    who may see the shopper's address (System administrators), not for Order processors."""
    client.force_login(staff_user(ADMINISTRATOR, "olga"))
    page = client.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert f'value="{basket_url(basket.guid)}"' in page
    assert 'id="basket-recovery-copy"' in page and 'id="basket-recovery-mail"' in page

    client.force_login(staff_user(ORDER_PROCESSOR, "otto"))
    page = client.get(f"/admin/baskets/basket/{basket.pk}/change/").content.decode()
    assert 'id="basket-recovery-copy"' in page and 'id="basket-recovery-mail"' not in page
    assert client.post(mail_page(basket), {"send": "Send"}).status_code == 403


@pytest.mark.parametrize(
    ("make", "refusal"),
    [
        pytest.param(lambda b: b.__class__.objects.filter(pk=b.pk).update(
            status=Status.AWAITING_COMPLETION, paid_at=b.created_at),
            "Only an Active basket", id="not-active"),
        pytest.param(lambda b: ReminderSuppression.objects.create(
            email="ada@example.com", reason="bounced", suppressed_at=b.created_at),
            "bounced or complained", id="bounced"),
        pytest.param(lambda b: b.lines.all().delete(), "The basket is empty", id="empty"),
    ],
)
@pytest.mark.django_db
def test_a_mail_that_cannot_go_is_refused_with_a_reason_and_nothing_sent(
    client, mailoutbox, basket, make, refusal
):
    """SPEC: PV-2 AB-4 — a clear 400 on the page; no mail, no timeline entry."""
    make(basket)
    client.force_login(staff_user(ADMINISTRATOR, "olga"))

    answer = client.post(mail_page(basket), {"message": "Hi", "send": "Send"})

    assert answer.status_code == 400 and refusal in answer.content.decode()
    assert mailoutbox == []
    assert not BasketEvent.objects.filter(basket=basket, action="reminder_sent").exists()


@pytest.mark.django_db
def test_an_unknown_basket_is_a_404(client):
    client.force_login(staff_user(ADMINISTRATOR, "olga"))
    other = basket_in_status(Status.ACTIVE, total=Decimal("1"))
    assert client.get(f"/admin/abandonment/abandonment/recovery-mail/{other.pk + 999}/"
                      ).status_code == 404
