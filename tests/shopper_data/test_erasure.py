"""Erasing a shopper (SPEC PV-3): their personal data is gone from every table, the built
reports and the mail files; orders keep their amounts; the erasure is recorded without it."""

import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from axes.models import AccessLog
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from abandonment.models import Abandonment, ReminderSend, ReminderStep, ReminderSuppression
from abandonment.services.reports import abandon_report_build, abandon_report_request
from baskets.models import (
    Basket,
    BasketEvent,
    Coupon,
    EventType,
    Invoice,
    Order,
    OutboxEvent,
    Status,
    TimelineAction,
)
from baskets.services.actors import Actor
from recovery.models import ReminderOptOut
from shopper_data.models import ShopperErasure
from shopper_data.registry import MARKER
from shopper_data.selectors import shopper_get
from shopper_data.services import shopper_erase
from tests.support.clients import api_client, staff_user
from tests.support.factories import (
    BasketFactory,
    LineFactory,
    ShopAccountFactory,
    UserFactory,
    basket_in_status,
)
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ADA = {
    "name": "Ada Lovelace",
    "email": "ada.lovelace@example.org",
    "phone": "+44 20 7946 0958",
    "street": "12 Byron Street",
    "city": "Marylebone",
    "postcode": "NW1 6XE",
}
GRACE = {
    "name": "Grace Hopper",
    "email": "grace.hopper@example.net",
    "phone": "+1 202 555 0147",
    "street": "7 Arlington Road",
    "city": "Arlington",
    "postcode": "22201",
}


def _address(person: dict) -> dict:
    return {
        "name": person["name"],
        "street": person["street"],
        "city": person["city"],
        "postcode": person["postcode"],
        "phone": person["phone"],
        "country": "GB",
    }


def _needles(person: dict) -> list[str]:
    return [person["name"], person["name"].split()[1], person["email"], person["phone"],
            person["street"], person["city"], person["postcode"]]  # fmt: skip


def _shopper_world(person: dict, *, username: str) -> dict:
    """A login with two baskets (one an order), an abandonment with its reminder, timeline
    notes, outbox and webhook rows, an opt-out, a suppressed address, an issued coupon and a
    login record, all naming ``person``."""
    user = UserFactory(username=username, email=person["email"], first_name=person["name"])
    account = ShopAccountFactory(user=user, name=person["name"], email=person["email"])
    details = {
        "email": person["email"],
        "purchaser_label": person["name"],
        "payment_address": _address(person),
        "delivery_address": _address(person),
        "user_values": {"contact": person["phone"]},
        "order_comment": f"Please ring {person['phone']} at {person['street']}",
    }
    open_basket = BasketFactory(shop_account=account, account_type="customer", **details)
    LineFactory(basket=open_basket, unit_price=Decimal("30.00"))
    ordered = basket_in_status(
        Status.COMPLETED, shop_account=account, account_type="customer", total=Decimal("42.50"),
        **details,
    )  # fmt: skip
    # Its order and invoice were made by the completion engine.
    assert Order.objects.filter(basket=ordered, total=Decimal("42.50")).exists()
    guest = BasketFactory(email=person["email"], payment_address=_address(person))
    BasketEvent.objects.create(
        basket=open_basket, basket_guid=open_basket.guid,
        action=TimelineAction.FLAG_ADDITIONAL_INFORMATION,
        actor_label="staff:rita", reason=f"{person['name']} phoned from {person['phone']}",
        payload={"address": _address(person)}, created_at=DAY,
    )  # fmt: skip
    abandonment = Abandonment.objects.create(
        basket=open_basket, basket_guid=open_basket.guid, captured_at=DAY, last_activity_at=DAY,
        shop_account_email=person["email"], email=person["email"], name=person["name"],
        payment_address=_address(person), total=Decimal("30.00"), currency="EUR",
        lines=[{"product_id": "PRD-1", "variant_id": "", "quantity": 1, "unit_price": "30.00"}],
        reminder_email=person["email"],
    )  # fmt: skip
    step = ReminderStep.objects.order_by("pk").first() or ReminderStep.objects.create(
        delay="1:00:00", subject="Still there?", body="{{ Basket.BasketUrl }}"
    )
    ReminderSend.objects.create(
        abandonment=abandonment, step_number=1, step=step, email=person["email"], sent_at=DAY
    )
    OutboxEvent.objects.create(
        event_type=EventType.BASKET_ABANDONED, basket_id=open_basket.pk,
        basket_guid=open_basket.guid, payload={"note": f"for {person['email']}"}, created_at=DAY,
    )  # fmt: skip
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/", secret="whsec_x", event_types=["basket.abandoned"],
        created_at=DAY,
    )  # fmt: skip
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="basket.abandoned", basket_guid=open_basket.guid,
        payload={"basket_guid": str(open_basket.guid), "email": person["email"]},
        occurred_at=DAY, next_attempt_at=DAY, created_at=DAY,
    )  # fmt: skip
    WebhookAttempt.objects.create(
        delivery=delivery, endpoint=endpoint, number=1, attempted_at=DAY, status_code=500,
        duration_ms=12, response_excerpt=f"unknown customer {person['name']}", succeeded=False,
    )  # fmt: skip
    ReminderOptOut.objects.create(email=person["email"], opted_out_at=DAY)
    ReminderSuppression.objects.create(
        email=person["email"].lower(), reason="bounced", suppressed_at=DAY, source="mailgun"
    )
    Coupon.objects.create(
        code=f"BACK-{username.upper()}", percent_off=10, single_use=True,
        issued_to=person["email"], issued_at=DAY,
    )  # fmt: skip
    AccessLog.objects.create(
        username=username, ip_address="203.0.113.7", user_agent="Firefox", http_accept="*/*",
        path_info="/accounts/login/",
    )  # fmt: skip
    return {"account": account, "baskets": [open_basket, ordered, guest]}


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema()
              AND data_type IN ('character varying', 'text', 'jsonb', 'json', 'character')
            ORDER BY table_name, column_name"""
        )
        return cursor.fetchall()


def _database_hits(needles: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where some row's text holds the needle."""
    hits = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(
                    f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1',
                    ["%" + needle + "%"],
                )
                if cursor.fetchone():
                    hits.append((table, column, needle))
    return hits


def _workbook_text(report) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(report.file.open("rb").read()))
    return "\n".join(
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
        for cell in row if cell is not None
    )  # fmt: skip


@pytest.mark.django_db
def test_after_erasing_a_shopper_nothing_anywhere_names_them(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """SPEC: PV-3 — after the erasure no text column of any table, no built abandon report
    and no unsent mail file holds their name, e-mail, phone or address; their orders total
    the same; another shopper is untouched; the erasure is recorded without the data and a
    shopper.erased event is queued."""
    # given Ada and Grace, each with baskets, an order, an abandonment and the rest
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    with time_machine.travel(DAY, tick=False):
        ada = _shopper_world(ADA, username="ada")
        _shopper_world(GRACE, username="grace")
    administrator = UserFactory(username="rita", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=False):
        report = abandon_report_request(
            actor=Actor.staff(administrator), date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)
        )
    abandon_report_build(report_id=report.pk)
    report.refresh_from_db()
    assert ADA["email"] in _workbook_text(report)
    mail.send_mail("Your basket", f"Dear {ADA['name']}, ...", "shop@example.com", [ADA["email"]])
    mail.send_mail("Your basket", f"Dear {GRACE['name']}", "shop@example.com", [GRACE["email"]])
    order_totals = dict(Order.objects.values_list("number", "total"))
    invoice_amounts = dict(Invoice.objects.values_list("number", "amount"))
    assert len(order_totals) == len(invoice_amounts) == 2
    assert _database_hits(_needles(ADA)), "the scan finds Ada before the erasure"

    # when an administrator erases Ada by her shop account
    shopper = shopper_get(shop_account=str(ada["account"].guid))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        erasure = shopper_erase(
            shopper=shopper, actor=Actor.staff(administrator),
            reason=f"{ADA['name']} asked by mail from {ADA['email']}",
        )  # fmt: skip
    assert len(queued) == 1  # the report is built again
    abandon_report_build(report_id=report.pk)
    report.refresh_from_db()

    # then nothing names her: database, rebuilt report, mail files
    assert _database_hits(_needles(ADA)) == []
    assert not any(needle in _workbook_text(report) for needle in _needles(ADA))
    mail_text = "\n".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert not any(needle in mail_text for needle in _needles(ADA))
    # ... Grace is untouched everywhere
    assert {needle for _, _, needle in _database_hits(_needles(GRACE))} == set(_needles(GRACE))
    assert GRACE["email"] in _workbook_text(report) and GRACE["email"] in mail_text
    # ... orders and invoices keep their amounts; the basket keeps its total and country
    assert dict(Order.objects.values_list("number", "total")) == order_totals
    ordered = Basket.objects.get(pk=ada["baskets"][1].pk)
    assert (ordered.total, ordered.payment_address) == (Decimal("42.50"), {"country": "GB"})
    assert ordered.purchaser_label == MARKER and ordered.email == ""
    assert dict(Invoice.objects.values_list("number", "amount")) == invoice_amounts
    assert Order.objects.aggregate(total=Sum("total"))["total"] == Decimal("85.00")
    # ... the login can no longer sign in
    ada["account"].user.refresh_from_db()
    assert not ada["account"].user.is_active
    # ... the erasure is on record, without her data, and a webhook event follows
    assert erasure.kind == "shop_account" and MARKER in erasure.reason
    assert sorted(erasure.basket_guids) == sorted(str(b.guid) for b in ada["baskets"])
    event = OutboxEvent.objects.get(event_type=EventType.SHOPPER_ERASED)
    assert event.payload == {
        "erasure_id": erasure.pk,
        "identity": "shop_account",
        "account": str(ada["account"].guid),
        "basket_guids": erasure.basket_guids,
    }
    assert ShopperErasure.objects.count() == 1


@pytest.mark.django_db
def test_a_guest_is_erased_by_e_mail_through_the_api():
    """SPEC: PV-3 — the Storefront client erases a guest with {"email": ...}: 201, their
    baskets carry the marker; other clients get 403 and nothing changes."""
    guest = BasketFactory(email=ADA["email"], payment_address=_address(ADA))
    status_reader = api_client("status")

    refused = status_reader.post("/api/privacy/erasures/", {"email": ADA["email"]}, format="json")
    assert refused.status_code == 403
    assert Basket.objects.get(pk=guest.pk).email == ADA["email"]

    response = api_client("storefront").post(
        "/api/privacy/erasures/", {"email": ADA["email"].upper()}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["basket_guids"] == [str(guest.guid)]
    guest.refresh_from_db()
    assert (guest.email, guest.payment_address) == ("", {"country": "GB"})
    assert _database_hits(_needles(ADA)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_identity"),
        ({"email": "not-an-address"}, 400, "invalid_identity"),
        ({"email": ADA["email"], "shop_account": str(uuid.uuid4())}, 400, "invalid_identity"),
        ({"shop_account": "not-a-guid"}, 400, "invalid_identity"),
        ({"shop_account": str(uuid.uuid4())}, 404, "not_found"),
        ({"name": "Ada"}, 400, "unknown_field"),
    ],
    ids=["nothing", "bad-email", "two-identities", "bad-guid", "unknown-account", "unknown-field"],
)
def test_bad_erasure_requests_are_refused_and_change_nothing(body, status, code):
    """SPEC: PV-3 — bad input is a 4xx with a code; nothing is erased or recorded."""
    guest = BasketFactory(email=ADA["email"])

    response = api_client("storefront").post("/api/privacy/erasures/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Basket.objects.get(pk=guest.pk).email == ADA["email"]
    assert not ShopperErasure.objects.exists()
    assert not OutboxEvent.objects.filter(event_type=EventType.SHOPPER_ERASED).exists()


@pytest.mark.django_db
def test_a_system_administrator_erases_in_the_admin_with_a_reason(client):
    """SPEC: PV-3 AC-1 — System administrators erase from the admin (a reason and a
    confirmation required); Order processors cannot reach the form."""
    guest = BasketFactory(email=ADA["email"], purchaser_label=ADA["name"])
    page = "/admin/shopper_data/shoppererasure/add/"
    client.force_login(staff_user("Order processor", "olga"))
    assert client.get(page).status_code == 403
    client.force_login(staff_user("System administrator", "sam"))

    missing = client.post(page, {"kind": "email", "value": ADA["email"], "confirm": "on"})
    assert missing.status_code == 400 and "reason" in missing.context["form"].errors
    assert Basket.objects.get(pk=guest.pk).email == ADA["email"]

    done = client.post(
        page, {"kind": "email", "value": ADA["email"], "reason": "asked", "confirm": "on"},
        follow=True,
    )  # fmt: skip

    assert done.status_code == 200
    assert "Shopper erased" in done.content.decode()
    guest.refresh_from_db()
    assert (guest.email, guest.purchaser_label) == ("", MARKER)
    erasure = ShopperErasure.objects.get()
    assert (erasure.actor_label, erasure.reason, erasure.account_reference) == (
        "staff:sam",
        "asked",
        "",
    )
    assert timezone.now() - erasure.erased_at < timezone.timedelta(minutes=5)
