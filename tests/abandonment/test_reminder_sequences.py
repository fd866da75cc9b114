"""AB-4: reminder sequences staff define in the admin: each step once, over time, to logins
and guests alike; the sequence stops when the shopper comes back, orders or opts out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail as django_mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from abandonment.models import Abandonment, ReminderSend, ReminderStep
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reminders import basket_reminders_send
from baskets.models import BasketEvent
from baskets.roles import ADMINISTRATOR
from baskets.services.transitions import basket_mark_paid
from recovery.models import ReminderOptOut
from tests.support.clients import staff_user
from tests.support.factories import SYSTEM, ProductFactory, UserFactory

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CAPTURED = START + timedelta(minutes=60)
STEP_DELAYS = [timedelta(hours=1), timedelta(hours=24), timedelta(hours=72)]
ABANDONMENTS = "/admin/abandonment/abandonment/"


@pytest.fixture
def sequence():
    """Three staff-defined steps in place of the default sequence."""
    ReminderStep.objects.all().delete()
    return [
        ReminderStep.objects.create(
            delay=delay,
            subject=f"Step {number}: {{{{ name }}}}, your basket",
            body="{{ greeting }} {% for line in lines %}{{ line.quantity }} x {{ line.name }}"
                 "{% endfor %} for {{ total }} {{ currency }}: {{ Basket.BasketUrl }}",
        )
        for number, delay in enumerate(STEP_DELAYS, start=1)
    ]


@pytest.fixture
def storefront():
    user = UserFactory(username="storefront")
    user.groups.add(Group.objects.get_or_create(name="Storefront")[0])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def guest_lead(storefront, email="guest@example.com") -> str:
    """A guest's basket with a line and the e-mail given at checkout, captured at CAPTURED."""
    ProductFactory(id="PRD-1", name="Kettle", price="10.00")
    with time_machine.travel(START, tick=False):
        guid = storefront.post("/api/baskets/", {}, format="json").json()["guid"]
        storefront.post(f"/api/baskets/{guid}/lines/", {"product_id": "PRD-1", "quantity": 2},
                        format="json")
        storefront.patch(f"/api/baskets/{guid}/checkout/",
                         {"email": email, "payment_address": {"name": "Grace Hopper"}},
                         format="json")
    with time_machine.travel(CAPTURED, tick=False):
        assert abandonment_sweep() == (1, False)
    return guid


def sends_at(*hours: float) -> list[int]:
    """Run the sender at each moment (hours after the capture); mails sent by each run."""
    counts = []
    for hour in hours:
        with time_machine.travel(CAPTURED + timedelta(hours=hour), tick=False):
            counts.append(basket_reminders_send()[0])
    return counts


@pytest.mark.django_db
def test_a_three_step_sequence_sends_exactly_three_mails_over_time_to_a_guest(
    sequence, storefront, mailoutbox
):
    """SPEC: AB-4 RL-8 PV-5 — each step once, when its delay has passed; guests with an e-mail
    get them, greeted neutrally (the name they typed is not the shop's account data); each
    mail is in the basket's timeline."""
    guid = guest_lead(storefront)

    counts = sends_at(0.99, 1, 1.5, 23.99, 24, 24.99, 25, 72.99, 73, 200)

    # Step 2 waits for the daily cap (PV-2: one mail in any 24 hours): 1 h + 24 h; step 3
    # for the 48 h gap after it.
    assert counts == [0, 1, 0, 0, 0, 0, 1, 0, 1, 0]
    assert [mail.subject for mail in mailoutbox] == [
        "Step 1: , your basket",
        "Step 2: , your basket",
        "Step 3: , your basket",
    ]
    assert {tuple(mail.to) for mail in mailoutbox} == {("guest@example.com",)}
    assert "Hello, 2 x Kettle for 20.00 EUR: http" in mailoutbox[0].body
    assert "Grace Hopper" not in mailoutbox[0].body
    assert f"/basket/recover/{guid}/" in mailoutbox[0].body
    assert "/basket/reminders/unsubscribe/" in mailoutbox[0].body
    events = BasketEvent.objects.filter(basket__guid=guid, action="reminder_sent")
    assert [(event.payload["step"], event.actor_label) for event in events] == [
        (1, "system:reminders"), (2, "system:reminders"), (3, "system:reminders")]
    assert list(ReminderSend.objects.values_list("step_number", flat=True)) == [1, 2, 3]


def come_back(storefront, guid):
    storefront.post(f"/api/baskets/{guid}/lines/", {"product_id": "PRD-1", "quantity": 1},
                    format="json")


def order(storefront, guid):
    from baskets.models import Basket

    basket_mark_paid(basket_id=Basket.objects.get(guid=guid).pk, actor=SYSTEM)


def opt_out_by_the_link(storefront, guid):
    link = next(word for word in django_mail.outbox[0].body.split() if "/unsubscribe/" in word)
    # One-click, as a mail client does it (RFC 8058).
    assert Client().post(link.removeprefix(settings.SHOP_BASE_URL)).status_code == 200


@pytest.mark.django_db
def test_a_sender_that_was_down_never_sends_two_steps_together(sequence, storefront, mailoutbox):
    """SPEC: AB-4 — after an outage, the next step waits for the gap between the steps."""
    guest_lead(storefront)

    counts = sends_at(30, 30.5, 53.99, 54, 101.99, 102)

    # Step 2: 30 h + 24 h (the daily cap outlasts the 23 h gap); step 3: 54 h + 48 h.
    assert counts == [1, 0, 0, 1, 0, 1]


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(come_back, id="shopper-comes-back"),
        pytest.param(order, id="shopper-orders"),
        pytest.param(opt_out_by_the_link, id="shopper-opts-out-by-the-link"),
    ],
)
@pytest.mark.django_db
def test_the_sequence_stops_when_the_shopper_comes_back_orders_or_opts_out(
    sequence, storefront, mailoutbox, stop
):
    """SPEC: AB-4 — after the first mail, nothing more goes out."""
    guid = guest_lead(storefront)
    assert sends_at(1) == [1]
    with time_machine.travel(CAPTURED + timedelta(hours=2), tick=False):
        stop(storefront, guid)

    assert sends_at(24, 72, 100) == [0, 0, 0]

    assert len(mailoutbox) == 1
    assert Abandonment.objects.get(basket_guid=guid).reminders_sent == 1


@pytest.mark.django_db
def test_an_opted_out_address_is_never_mailed_whatever_its_case(sequence, storefront, mailoutbox):
    """SPEC: AB-4 — an address that opted out before gets no step at all."""
    ReminderOptOut.objects.create(email="guest@example.com", opted_out_at=START)
    guest_lead(storefront, email="Guest@Example.com")

    assert sends_at(1, 24, 72) == [0, 0, 0]
    assert mailoutbox == []


@pytest.mark.django_db
def test_staff_send_the_next_reminder_by_hand_and_see_it_in_the_timeline(
    sequence, storefront, mailoutbox, client
):
    """SPEC: AB-4 AC-1 — an admin action sends one reminder now, never past the last step;
    System administrators only, as Order processors get no abandonment pages."""
    guid = guest_lead(storefront)
    client.force_login(staff_user(ADMINISTRATOR, "olga"))
    abandonment = Abandonment.objects.get(basket_guid=guid)
    action = {"action": "reminder_send_now", "_selected_action": [abandonment.pk]}

    answers = []
    for _ in range(4):
        with time_machine.travel(CAPTURED + timedelta(minutes=5), tick=False):
            response = client.post(ABANDONMENTS, action, follow=True)
        answers.append([str(message) for message in response.context["messages"]])

    assert answers[0] == ["1 reminder(s) sent."]
    assert answers[3][0].startswith("1 not sent")
    assert len(mailoutbox) == 3
    events = BasketEvent.objects.filter(basket__guid=guid, action="reminder_sent")
    assert [event.actor_label for event in events] == ["staff:olga"] * 3
    assert sends_at(1, 24, 72) == [0, 0, 0]


@pytest.mark.django_db
def test_the_default_sequence_is_the_former_reminder_in_three_steps_in_four_languages():
    """SPEC: AB-4 PV-5 — migrated: 1 h, 24 h and 72 h after the capture, a neutral greeting,
    with texts in Danish, Dutch and German; the layout adds the lines and the link."""
    steps = list(ReminderStep.objects.order_by("delay"))

    assert [step.delay for step in steps] == STEP_DELAYS
    assert all(step.body.startswith("{{ greeting }}") for step in steps)
    for step in steps:
        assert sorted(step.texts.values_list("language", flat=True)) == ["da", "de", "nl"]
        assert all(text.body.startswith("{{ greeting }}") for text in step.texts.all())


@pytest.mark.django_db
def test_staff_preview_unsaved_texts_and_a_broken_template_is_refused(sequence, admin_client):
    """SPEC: AB-4 PV-5 — the preview renders the posted texts for a sample basket without
    saving them; a template error or an unknown variable is refused, on preview and save."""
    step = sequence[0]
    url = f"/admin/abandonment/reminderstep/{step.pk}/change/"
    preview_url = "/admin/abandonment/reminderstep/preview/"

    page = admin_client.get(url).content.decode()
    preview = admin_client.post(preview_url, {
        "subject": "Unsaved: {{ name }}", "body": "{{ greeting }} new text", "language": "de"})
    unknown = admin_client.post(preview_url, {
        "subject": "Hi", "body": "Hi {{ nmae }}", "language": "en"})
    refused = admin_client.post(url, {"delay": "1:00:00", "subject": "Hi",
                                      "body": "{% for line in lines %}", "active": "on",
                                      "texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0",
                                      "coupon_valid_days": "7"})
    unknown_saved = admin_client.post(url, {"delay": "1:00:00", "subject": "Hi {{ nmae }}",
                                            "body": "Hi", "active": "on",
                                            "texts-TOTAL_FORMS": "0", "texts-INITIAL_FORMS": "0",
                                      "coupon_valid_days": "7"})

    assert 'id="reminder-preview"' in page
    assert preview.status_code == 200
    answer = preview.json()
    assert answer["subject"] == "Unsaved: Ada Lovelace"
    assert '<html lang="de">' in answer["html"] and "Hallo Ada Lovelace," in answer["html"]
    assert "2 x Kettle" in answer["text"] and "10.00 EUR" not in answer["text"]
    assert "10,00 EUR" in answer["text"]
    assert unknown.status_code == 400
    assert "Unknown variable(s): nmae." in unknown.json()["errors"]["body"][0]
    assert refused.status_code == 200
    assert "Not a valid template" in refused.content.decode()
    assert unknown_saved.status_code == 200
    assert "Unknown variable(s): nmae." in unknown_saved.content.decode()
    step.refresh_from_db()
    assert step.subject == "Step 1: {{ name }}, your basket"
