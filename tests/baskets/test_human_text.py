"""Human text everywhere staff read (SPEC CB-2): a basket's timeline, lists and messages
show labels and sentences, never a Python dict or list, nor an underscore code."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from baskets.models import BasketEvent, Stage, Status, TimelineAction
from baskets.wording import code_label, details_lines, list_text, value_text
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, ShopAccountFactory

GRID = "/admin/baskets/basket/"
EVENTS = "/admin/baskets/basketevent/"
# A visible text that is a code: ``complete_manage_booking``, ``{"a": 1}``, ``["WELCOME10"]``.
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")
GUID = "0b8e5a52-6a86-4c55-9d8f-3a1f5b2c4d6e"
LINE = {"product_id": "PRD-001", "variant_id": "RED", "quantity": 2, "unit_price": "9.90"}
AT = "2026-11-30T14:05:00+00:00"

# What the product writes in each event's details (its services' payloads), one per event
# type. A new event type fails the test until it is added here and reads as words.
PAYLOADS: dict[str, dict] = {
    TimelineAction.CREATE: {},
    TimelineAction.MARK_PAID: {
        "payment_reference": "PAY-1",
        "masked_card_number": "411111******1111",
    },
    TimelineAction.LOCK: {"payment_reference": "PAY-1"},
    TimelineAction.UNLOCK: {},
    TimelineAction.CONFIRM: {},
    TimelineAction.COMPLETE: {"order": "SO-000123", "attempt": 1, "worker": "celery@web-1"},
    TimelineAction.FAIL_COMPLETION: {"attempt": 3},
    TimelineAction.REQUEUE: {},
    TimelineAction.FINALISE_UNPAID: {"order": "SO-000124"},
    TimelineAction.COMPLETION_ATTEMPT_FAILED: {"attempt": 2},
    TimelineAction.CLOSE_COMPLETION_FAILURE: {},
    TimelineAction.COMPLETE_MANAGE_BOOKING: {
        "stage": {"from": Stage.MANAGE_BOOKING.value, "to": Stage.PAYMENT.value}
    },
    TimelineAction.FLAG_ADDITIONAL_INFORMATION: {},
    TimelineAction.DELETE: {"total": "19.80", "currency": "EUR", "lines": [LINE]},
    TimelineAction.LINE_REMOVE: {
        "line_id": 7,
        "product_id": "PRD-001",
        "variant_id": None,
        "quantity": {"from": 2, "to": 0},
        "total": {"from": "19.80", "to": "0.00"},
        "currency": "EUR",
    },
    TimelineAction.LINE_QUANTITY_CHANGE: {
        "line_id": 7,
        "product_id": "PRD-001",
        "variant_id": "RED",
        "quantity": {"from": 2, "to": 3},
        "total": {"from": "19.80", "to": "29.70"},
        "currency": "EUR",
    },
    TimelineAction.RECEIVABLE_PAID: {"order": "SO-000124", "outcome": "paid"},
    TimelineAction.RECEIVABLE_WRITTEN_OFF: {"order": "SO-000124", "outcome": "written_off"},
    TimelineAction.RECEIVABLE_CARD_REQUEST: {
        "order": "SO-000124",
        "language": "da",
        "link": "https://shop.example.com/pay/abc?token=secret",
    },
    TimelineAction.PAYMENT_STARTED: {"payment_reference": "PAY-1"},
    TimelineAction.PAYMENT_RETURN: {"payment_reference": "PAY-1"},
    TimelineAction.PAYMENT_PAID: {
        "result": "paid",
        "payment_reference": "PAY-1",
        "masked_card_number": "411111******1111",
    },
    TimelineAction.PAYMENT_PENDING: {"result": "pending", "payment_reference": "PAY-1"},
    TimelineAction.PAYMENT_FAILED: {"result": "failed", "payment_reference": "PAY-1"},
    TimelineAction.PAYMENT_CANCELLED: {"result": "cancelled", "payment_reference": "PAY-1"},
    TimelineAction.PAYMENT_RECONCILIATION: {
        "result": "paid",
        "payment_reference": "PAY-2",
        "amount": "19.80",
        "currency": "EUR",
    },
    TimelineAction.STOREFRONT_RESUME: {"resumed": True},
    TimelineAction.PROVIDER_CHECK: {
        "payment_reference": "PAY-1",
        "provider": "paypal",
        "status": "captured",
        "provider_status": "COMPLETED",
        "amount": "19.80",
        "currency": "EUR",
        "at": AT,
        "link": "https://provider.example.com/payments/PAY-1",
        "decision": "staff",
    },
    TimelineAction.ENTER_UPSELL: {"finalise_at": AT},
    TimelineAction.FINISH_UPSELL: {"order": "SO-000125"},
    TimelineAction.UPSELL_CHARGE_STARTED: {
        "reference": "UP-1",
        "amount": "5.00",
        "currency": "EUR",
    },
    TimelineAction.GIFT_CARD_RESERVE: {
        "gift_card": "GIFT-100",
        "amount": "10.00",
        "currency": "EUR",
        "balance_after": "40.00",
    },
    TimelineAction.GIFT_CARD_DEBIT: {
        "gift_card": "GIFT-100",
        "amount": "10.00",
        "currency": "EUR",
        "balance_after": "40.00",
    },
    TimelineAction.GIFT_CARD_RELEASE: {
        "gift_card": "GIFT-100",
        "amount": "10.00",
        "currency": "EUR",
        "balance_after": "50.00",
    },
    TimelineAction.RECOVER: {
        "removed_lines": [{**LINE, "reason": "unknown_product"}],
        "repriced_lines": [
            {"product_id": "PRD-002", "variant_id": None, "from": "5.00", "to": "6.00"}
        ],
        "removed_coupon_codes": ["WELCOME10", "SPRING5"],
        "removed_gift_card_codes": ["GIFT-9"],
        "addresses_withheld": True,
        "order_comment_cleared": True,
        "resumed": True,
        "total": {"from": "19.80", "to": "21.80"},
        "owner": {"from": None, "to": GUID},
        "replaced": 1,
        "deactivated": 2,
        "abandoned_at": AT,
    },
    TimelineAction.REMINDER_SENT: {"step": 1, "abandonment": 42},
    TimelineAction.WEBHOOK_DELIVERED: {
        "webhook_id": "msg_2Kq",
        "attempt": 1,
        "status_code": 200,
        "duration_ms": 35,
        "error": "",
    },
    TimelineAction.WEBHOOK_ATTEMPT_FAILED: {
        "webhook_id": "msg_2Kq",
        "attempt": 2,
        "status_code": None,
        "duration_ms": 3000,
        "error": "timed out connecting to hooks.example.com",
    },
}
REASONS = {
    TimelineAction.WEBHOOK_DELIVERED: "basket.status_changed to endpoint 3 (hooks.example.com)",
    TimelineAction.WEBHOOK_ATTEMPT_FAILED: "basket.lines_changed to endpoint 3 (hooks.example.com)",
    TimelineAction.REMINDER_SENT: "Reminder 1: You left something in your basket",
}


class VisibleText(HTMLParser):
    """The text a reader sees: no markup, scripts, styles or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> str:
    content = page[page.index('<div id="content"') :]
    parser = VisibleText()
    parser.feed(content)
    return "\n".join(parser.parts)


def codes_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if "{" in line or "[" in line or CODE.search(line)]


@pytest.fixture
def basket_with_every_event():
    account = ShopAccountFactory(name="Sam Dubois", email="sam@example.com")
    basket = BasketFactory(
        customer=True,
        shop_account=account,
        customer_account=account.customer_account,
        status=Status.LOCKED,
        stage=Stage.PAYMENT,
        coupon_codes=["WELCOME10", "SPRING5"],
        gift_card_codes=["GIFT-100"],
        user_values={"badge_name": "Sam", "dietary_needs": ["vegan", "no_nuts"]},
        currency="EUR",
    )
    now = timezone.now()
    for at, action in enumerate(TimelineAction):
        BasketEvent.objects.create(
            basket=basket,
            basket_guid=basket.guid,
            action=action,
            from_status=Status.AWAITING_COMPLETION if action == TimelineAction.LOCK else "",
            to_status=Status.LOCKED if action == TimelineAction.LOCK else Status.ACTIVE,
            actor_label={0: "staff:alice", 1: "system:provider-check"}.get(
                at % 3, f"shopper:{GUID}"
            ),
            reason=REASONS.get(action, ""),
            payload=PAYLOADS[action],
            created_at=now - timedelta(minutes=100 - at),
        )
    return basket


def test_every_event_type_has_a_sample_payload():
    """A new event type must be added to ``PAYLOADS`` (and so read as words)."""
    assert set(PAYLOADS) == set(TimelineAction)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["System administrator", "Order processor"])
def test_the_basket_page_reads_as_words_for_every_event_type(client, basket_with_every_event, role):
    """SPEC: CB-2 — no `{`, `[` or underscore code in the timeline, lists or messages."""
    client.force_login(staff_user(role, username="alice"))
    page = client.get(f"{GRID}{basket_with_every_event.pk}/change/").content.decode()
    text = visible_text(page)

    assert codes_in(text) == []
    for action in TimelineAction:
        assert str(action.label) in text
    assert "<strong>Stage</strong>: Manage booking → Payment" in page
    assert "<strong>Removed coupon codes</strong>: WELCOME10, SPRING5" in page
    if role == "System administrator":
        assert "WELCOME10, SPRING5" in text
        assert "<strong>Total</strong>: 19.80 EUR → 29.70 EUR" in page
        assert "Staff: alice" in text and "System: provider check" in text
        assert "Badge name: Sam" in text


@pytest.mark.django_db
def test_the_timeline_list_and_an_entry_read_as_words(client, basket_with_every_event):
    client.force_login(staff_user("System administrator", username="alice"))
    listing = visible_text(client.get(EVENTS).content.decode())
    assert codes_in(listing) == []
    assert "Awaiting Completion → Locked" in listing

    for event in basket_with_every_event.events.all():
        entry = visible_text(client.get(f"{EVENTS}{event.pk}/change/").content.decode())
        assert codes_in(entry) == [], event.action


@pytest.mark.django_db
def test_a_staff_action_message_reads_as_words(client, basket_with_every_event):
    """A refusal shown after an action names statuses by their labels."""
    client.force_login(staff_user("System administrator", username="alice"))
    response = client.post(
        GRID,
        {
            "action": "complete_manage_booking",
            "_selected_action": [basket_with_every_event.pk],
            "scope": "all",
        },
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert messages
    assert [m for m in messages if "{" in m or "[" in m or CODE.search(m)] == []


def test_values_read_as_words():
    assert list_text(["WELCOME10"]) == "WELCOME10"
    assert value_text({"from": "manage_booking", "to": "payment"}) == "Manage booking → Payment"
    assert code_label("complete_manage_booking") == "Manage booking step completed"
    assert code_label("awaiting_completion") == "Awaiting Completion"
    assert code_label("written_off") == "Written off"
    assert details_lines({"amount": "5.00", "currency": "EUR"}) == [("Amount", "5.00 EUR")]
    assert value_text(None) == "none" and value_text(True) == "yes"


@pytest.mark.django_db
def test_an_abandonment_page_shows_codes_lines_and_address_in_words(client):
    from abandonment.models import Abandonment

    abandonment = Abandonment.objects.create(
        basket_guid=GUID,
        captured_at=timezone.now(),
        last_activity_at=timezone.now(),
        total="19.80",
        currency="EUR",
        coupon_codes=["WELCOME10"],
        lines=[LINE],
        payment_address={"line1": "1 Market Street", "city": "Springfield"},
    )
    client.force_login(staff_user("System administrator", username="alice"))
    page = client.get(f"/admin/abandonment/abandonment/{abandonment.pk}/change/")
    text = visible_text(page.content.decode())

    assert codes_in(text) == []
    assert "WELCOME10" in text
    assert "Unit price 9.90 EUR" in text
    assert "1 Market Street" in text


@pytest.mark.django_db
def test_settings_read_as_words_without_rule_references(client):
    from baskets.services.actors import Actor
    from baskets.services.business_settings import business_settings_change

    admin = staff_user("System administrator", username="alice")
    business_settings_change(
        changes={"REMINDER_CONSENT_POLICY": "consented"}, actor=Actor.staff(admin)
    )
    client.force_login(admin)

    settings_page = client.get("/admin/constance/config/").content.decode()
    text = visible_text(settings_page)
    assert not re.search(r"\([A-Z]{2,3}-\d+\)", text)
    assert "Basket abandon after minutes" in text
    assert "BASKET_ABANDON_AFTER_MINUTES" not in text

    changes = visible_text(client.get("/admin/baskets/businesssettingchange/").content.decode())
    assert codes_in(changes) == []
    assert "Reminder consent policy" in changes
    assert '"consented"' not in changes and "consented" in changes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "query"),
    [(GRID, {"scope": "all"}), (GRID, {"scope": "all", "cart": "locked"}), (EVENTS, {})],
)
def test_the_lists_read_as_words(client, basket_with_every_event, url, query):
    client.force_login(staff_user("System administrator", username="alice"))
    response = client.get(url, query)
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert codes_in(text) == []
