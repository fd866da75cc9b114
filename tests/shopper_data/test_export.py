"""Exporting what is kept about a shopper (SPEC PV-3): one JSON document, exactly theirs."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from abandonment.models import Abandonment, ReminderSend, ReminderStep, ReminderSuppression
from baskets.models import Coupon, Invoice, Order
from baskets.models.orders import invoice_number, order_number
from recovery.models import ReminderOptOut
from tests.support.clients import api_client, staff_user
from tests.support.factories import BasketFactory, LineFactory, ShopAccountFactory

DAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EMAIL = "ada.lovelace@example.org"


def _ada() -> dict:
    """A login with 3 baskets (one ordered), 1 abandonment with a reminder, an opt-out, a
    suppressed address and an issued coupon; and
    someone else's basket, abandonment and order that must not appear."""
    account = ShopAccountFactory(name="Ada Lovelace", email=EMAIL)
    baskets = [
        BasketFactory(shop_account=account, account_type="customer", email=EMAIL,
                      payment_address={"street": "12 Byron Street", "country": "GB"})
        for _ in range(2)
    ] + [BasketFactory(email=EMAIL)]  # fmt: skip
    for basket in baskets:
        LineFactory(basket=basket, product_id=f"PRD-{basket.pk}", unit_price=Decimal("10.00"))
    order = Order.objects.create(
        basket=baskets[1], number=order_number(baskets[1].pk), total=Decimal("10.00"),
        currency="EUR",
    )  # fmt: skip
    Invoice.objects.create(
        order=order, number=invoice_number(baskets[1].pk), amount=Decimal("10.00"), currency="EUR"
    )
    abandonment = Abandonment.objects.create(
        basket=baskets[0], basket_guid=baskets[0].guid, captured_at=DAY, last_activity_at=DAY,
        email=EMAIL, name="Ada Lovelace", total=Decimal("10.00"), currency="EUR", lines=[],
    )  # fmt: skip
    step = ReminderStep.objects.order_by("pk").first()
    ReminderSend.objects.create(
        abandonment=abandonment, step_number=1, step=step, email=EMAIL, sent_at=DAY
    )
    ReminderOptOut.objects.create(email=EMAIL, opted_out_at=DAY)
    ReminderSuppression.objects.create(email=EMAIL, reason="bounced", suppressed_at=DAY)
    Coupon.objects.create(
        code="BACK-ADA", percent_off=10, single_use=True, issued_to=EMAIL, issued_at=DAY
    )
    Coupon.objects.create(
        code="BACK-GRACE", percent_off=10, single_use=True, issued_to="grace@example.net"
    )
    # someone else
    other = BasketFactory(email="grace@example.net")
    LineFactory(basket=other)
    Order.objects.create(basket=other, number=order_number(other.pk), total=1, currency="EUR")
    Abandonment.objects.create(
        basket=other, basket_guid=other.guid, captured_at=DAY, last_activity_at=DAY,
        email="grace@example.net", total=Decimal("1.00"), currency="EUR", lines=[],
    )  # fmt: skip
    return {"account": account, "baskets": baskets, "order": order, "abandonment": abandonment}


def _assert_exactly_ada(document: dict, ada: dict) -> None:
    assert sorted(b["guid"] for b in document["baskets"]) == sorted(
        str(b.guid) for b in ada["baskets"]
    )
    assert [len(b["lines"]) for b in document["baskets"]] == [1, 1, 1]
    assert [o["number"] for o in document["orders"]] == [ada["order"].number]
    assert document["orders"][0]["invoice"]["amount"] == "10.00"
    assert [a["basket_guid"] for a in document["abandonments"]] == [str(ada["baskets"][0].guid)]
    assert [(r["step"], r["email"]) for r in document["reminders"]] == [(1, EMAIL)]
    assert [c["email"] for c in document["consent"]["reminder_opt_outs"]] == [EMAIL]
    assert [c["reason"] for c in document["consent"]["suppressed_addresses"]] == ["bounced"]
    assert [c["code"] for c in document["coupons_issued"]] == ["BACK-ADA"]
    assert [a["id"] for a in document["shop_accounts"]] == [str(ada["account"].guid)]
    first = next(b for b in document["baskets"] if b["guid"] == str(ada["baskets"][0].guid))
    assert first["payment_address"] == {"street": "12 Byron Street", "country": "GB"}
    assert "grace" not in json.dumps(document)


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["email", "shop_account"])
def test_the_export_holds_exactly_the_shoppers_records(by):
    """SPEC: PV-3 — a shopper with 3 baskets, 1 order and 1 abandonment: the export by
    e-mail or by shop account holds exactly those (with lines, reminders and consent)."""
    ada = _ada()
    value = EMAIL if by == "email" else str(ada["account"].guid)

    response = api_client("storefront").get("/api/privacy/exports/", {by: value})

    assert response.status_code == 200, response.content
    _assert_exactly_ada(response.json(), ada)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"), [("status", 403), ("payments", 403), ("storefront", 200)]
)
def test_only_clients_that_see_personal_data_export(role, expected):
    """SPEC: PV-3 AC-2 — the export is personal data: the Storefront reads it, others 403."""
    _ada()
    response = api_client(role).get("/api/privacy/exports/", {"email": EMAIL})
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [({}, 400), ({"email": "nope"}, 400), ({"shop_account": "x"}, 400), ({"name": "Ada"}, 400)],
    ids=["nothing", "bad-email", "bad-guid", "unknown-parameter"],
)
def test_bad_export_requests_are_4xx(query, status):
    """SPEC: PV-3 — bad input is a clear 4xx, never a 500."""
    response = api_client("storefront").get("/api/privacy/exports/", query)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.django_db
def test_system_administrators_download_the_export_in_the_admin(client):
    """SPEC: PV-3 AC-1 — System administrators download the same document; Order
    processors cannot."""
    ada = _ada()
    page = "/admin/shopper_data/shoppererasure/export/"
    client.force_login(staff_user("Order processor", "olga"))
    assert client.post(page, {"kind": "email", "value": EMAIL}).status_code == 403
    client.force_login(staff_user("System administrator", "sam"))

    response = client.post(page, {"kind": "shop_account", "value": str(ada["account"].guid)})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="shopper-export.json"'
    _assert_exactly_ada(json.loads(response.content), ada)
