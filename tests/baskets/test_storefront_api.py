"""Storefront write API over HTTP (SPEC API-2, API-3, section 7): create, fill, checkout,
and every refusal answers a clear 4xx JSON error and changes nothing."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from baskets.models import (
    AccountType,
    Basket,
    BasketEvent,
    Coupon,
    GiftCard,
    Salesperson,
    Status,
    Variant,
)
from tests.support.clients import api_client
from tests.support.factories import (
    BasketFactory,
    CustomerAccountFactory,
    LineFactory,
    ProductFactory,
    ShopAccountFactory,
    basket_in_status,
    price_set,
)
from tests.support.snapshots import snapshot


@pytest.fixture
def catalogue():
    shirt = ProductFactory(id="SHIRT", name="Shirt", price=Decimal("20.00"))
    medium = Variant.objects.create(id="SHIRT-M", product=shirt, name="M")
    price_set(shirt, "EUR", Decimal("25.00"), variant=medium)
    Variant.objects.create(id="SHIRT-XL", product=shirt, name="XL", available=False)
    ProductFactory(id="COURSE", name="Course", kind="course", price=Decimal("100.00"))
    ProductFactory(id="GONE", name="Gone", price=Decimal("1.00"), available=False)
    Coupon.objects.create(code="TEN", percent_off=Decimal("10"))
    Coupon.objects.create(
        code="OLD", percent_off=Decimal("50"), valid_until=timezone.now() - timedelta(days=1)
    )
    GiftCard.objects.create(code="GIFT5", balance=Decimal("5.00"))


@pytest.mark.django_db
def test_create_fill_and_check_out_a_basket(api, catalogue):
    """SPEC: API-2 CB-5 CB-6 CB-7 — create, lines, coupons, gift cards, details, stages."""
    created = api.post("/api/baskets/", {}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    guid = body["guid"]
    assert body["status"] == "active" and body["stage"] == "basket"
    basket = Basket.objects.get(guid=guid)
    assert basket.account_type == AccountType.ANONYMOUS and basket.purchaser_label == ""

    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        added = api.post(
            f"/api/baskets/{guid}/lines/",
            {"product_id": "SHIRT", "variant_id": "SHIRT-M", "quantity": 2},
            format="json",
        )
        assert added.status_code == 200, added.json()
        assert Basket.objects.get(guid=guid).last_activity_at == timezone.now()
    api.post(f"/api/baskets/{guid}/lines/", {"product_id": "COURSE", "quantity": 1}, format="json")
    again = api.post(
        f"/api/baskets/{guid}/lines/",
        {"product_id": "SHIRT", "variant_id": "SHIRT-M", "quantity": 1},
        format="json",
    )
    lines = again.json()["lines"]
    assert [(line["product_id"], line["variant_id"], line["quantity"]) for line in lines] == [
        ("SHIRT", "SHIRT-M", 3),
        ("COURSE", "", 1),
    ]
    assert lines[0]["unit_price"] == "25.00" and lines[1]["kind"] == "course"
    assert again.json()["total"] == "175.00"

    course_line = lines[1]["id"]
    changed = api.patch(f"/api/baskets/{guid}/lines/{course_line}/", {"quantity": 2}, format="json")
    assert changed.json()["total"] == "275.00"
    shirt_line = lines[0]["id"]
    removed = api.delete(f"/api/baskets/{guid}/lines/{shirt_line}/")
    assert removed.status_code == 200 and removed.json()["total"] == "200.00"

    coupon = api.post(f"/api/baskets/{guid}/coupons/", {"code": "TEN"}, format="json")
    assert coupon.json()["coupon_codes"] == ["TEN"] and coupon.json()["total"] == "180.00"
    gift = api.post(f"/api/baskets/{guid}/gift-cards/", {"code": "GIFT5"}, format="json")
    assert gift.json()["gift_card_codes"] == ["GIFT5"] and gift.json()["total"] == "175.00"
    assert api.delete(f"/api/baskets/{guid}/gift-cards/GIFT5/").json()["total"] == "180.00"
    assert api.delete(f"/api/baskets/{guid}/coupons/TEN/").json()["total"] == "200.00"

    details = api.patch(
        f"/api/baskets/{guid}/checkout/",
        {
            "payment_address": {"street": "1 Main St", "city": "Oslo"},
            "delivery_address": {"street": "2 Side St", "city": "Oslo"},
            "delivery_method": "post",
            "payment_method": "paypal",
            "location": "NO",
            "user_values": {"po_number": "PO-7"},
            "order_comment": "Leave at the door",
        },
        format="json",
    )
    assert details.status_code == 200, details.json()
    basket.refresh_from_db()
    assert basket.payment_address == {"street": "1 Main St", "city": "Oslo"}
    assert basket.user_values == {"po_number": "PO-7"}
    assert (basket.delivery_method, basket.payment_method, basket.location) == (
        "post",
        "paypal",
        "NO",
    )
    assert basket.order_comment == "Leave at the door"

    for stage in ("login_register", "additional_information", "manage_booking", "payment"):
        payload = {"stage": stage}
        if stage == "additional_information":
            payload["purchaser_label"] = "Kari Nordmann"
        moved = api.post(f"/api/baskets/{guid}/stage/", payload, format="json")
        assert moved.status_code == 200, moved.json()
        assert moved.json()["stage"] == stage
    basket.refresh_from_db()
    assert basket.purchaser_label == "Kari Nordmann"
    assert basket.additional_information_supplied_at is not None
    assert basket.manage_booking_completed_at is not None
    assert basket.payment_started_at is not None and basket.payment_returned_at is None

    returned = api.post(f"/api/baskets/{guid}/payment-return/", {}, format="json")
    assert returned.status_code == 200
    basket.refresh_from_db()
    assert basket.payment_returned_at is not None
    assert list(BasketEvent.objects.filter(basket=basket).values_list("action", flat=True)) == [
        "create",
        "payment_started",
        "payment_return",
    ]


@pytest.mark.django_db
def test_create_for_shop_account_customer_account_and_salesperson(api, settings):
    """SPEC: API-2 — baskets for a login, an ERP account, and a salesperson's customer."""
    settings.SHOP_CURRENCIES = ["EUR", "NOK"]
    login = ShopAccountFactory(name="Ola")
    prospect = CustomerAccountFactory(name="Prospect AS", is_prospect=True)
    seller = Salesperson.objects.create(
        shop_account=ShopAccountFactory(name="Seller"), selected_customer=prospect
    )

    for_login = api.post("/api/baskets/", {"shop_account": str(login.guid)}, format="json")
    for_erp = api.post(
        "/api/baskets/",
        {"customer_account": login.customer_account.erp_account_id, "currency": "NOK"},
        format="json",
    )
    by_seller = api.post(
        "/api/baskets/", {"salesperson": str(seller.shop_account.guid)}, format="json"
    )

    assert [r.status_code for r in (for_login, for_erp, by_seller)] == [201, 201, 201]
    first = Basket.objects.get(guid=for_login.json()["guid"])
    assert (first.shop_account, first.customer_account) == (login, login.customer_account)
    assert first.account_type == AccountType.CUSTOMER and first.purchaser_label == "Ola"
    second = Basket.objects.get(guid=for_erp.json()["guid"])
    assert second.shop_account is None and second.customer_account == login.customer_account
    assert second.currency == "NOK"
    third = Basket.objects.get(guid=by_seller.json()["guid"])
    assert (third.salesperson, third.customer_account) == (seller, prospect)
    assert third.account_type == AccountType.CONTACT


def refused(api, method: str, url: str, payload, *, status: int, code: str, message: str):
    before = snapshot()
    response = getattr(api, method)(url, payload, format="json")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert message in body["detail"], body
    assert snapshot() == before
    return body


def filled(payload, names: dict):
    """``payload`` with "{basket}", "{line}" and "{unknown}" in its string values filled in."""
    if isinstance(payload, dict):
        return {key: filled(value, names) for key, value in payload.items()}
    if isinstance(payload, str) and payload.startswith("{"):
        return payload.format(**names)
    return payload


# (method, path below the basket's URL or an absolute one, payload, status, code, message).
# "{basket}" is the basket's URL, "{line}" its line's id.
REFUSALS = [
    pytest.param(
        "post",
        "{basket}/lines/",
        {"product_id": "NOPE", "quantity": 1},
        400,
        "unknown_product",
        "Unknown product “NOPE”",
        id="unknown-product",
    ),
    pytest.param(
        "post",
        "{basket}/lines/",
        {"product_id": "GONE", "quantity": 1},
        400,
        "product_unavailable",
        "is not available",
        id="unavailable-product",
    ),
    pytest.param(
        "post",
        "{basket}/lines/",
        {"product_id": "SHIRT", "variant_id": "SHIRT-XL", "quantity": 1},
        400,
        "variant_unavailable",
        "Variant “SHIRT-XL” of product “SHIRT” is not available",
        id="unavailable-variant",
    ),
    pytest.param(
        "post",
        "{basket}/lines/",
        {"product_id": "SHIRT", "variant_id": "SHIRT-ZZ", "quantity": 1},
        400,
        "unknown_variant",
        "has no variant “SHIRT-ZZ”",
        id="unknown-variant",
    ),
    *[
        pytest.param(
            "post",
            "{basket}/lines/",
            {"product_id": "SHIRT", "quantity": bad},
            400,
            "invalid_quantity",
            "quantity: Quantity must be a whole number from 1 to 9999",
            id=f"quantity-{bad!r}",
        )
        for bad in (0, -1, 1.5, "2", "two", True, None, 10**12)
    ],
    pytest.param(
        "patch",
        "{basket}/lines/{line}/",
        {"quantity": 0},
        400,
        "invalid_quantity",
        "quantity: Quantity must be a whole number",
        id="change-quantity-0",
    ),
    pytest.param(
        "patch",
        "{basket}/lines/999999/",
        {"quantity": 2},
        404,
        "line_not_found",
        "has no line 999999",
        id="unknown-line",
    ),
    pytest.param(
        "post",
        "{basket}/coupons/",
        {"code": "NOPE"},
        400,
        "unknown_coupon",
        "Unknown coupon code “NOPE”",
        id="unknown-coupon",
    ),
    pytest.param(
        "post",
        "{basket}/coupons/",
        {"code": "OLD"},
        400,
        "coupon_not_valid",
        "is not valid now",
        id="expired-coupon",
    ),
    pytest.param(
        "post",
        "{basket}/gift-cards/",
        {"code": "NOPE"},
        400,
        "unknown_gift_card",
        "Unknown gift card",
        id="unknown-gift-card",
    ),
    pytest.param(
        "post",
        "{basket}/stage/",
        {"stage": "payment"},
        409,
        "wrong_stage_order",
        "Cannot move from Basket to Payment: the next stage is Login / register",
        id="stage-skipped",
    ),
    pytest.param(
        "post",
        "{basket}/stage/",
        {"stage": "shipping"},
        400,
        "unknown_stage",
        "Unknown stage “shipping”",
        id="unknown-stage",
    ),
    pytest.param(
        "post",
        "{basket}/payment-return/",
        {},
        409,
        "payment_not_started",
        "No payment was started",
        id="return-without-payment",
    ),
    pytest.param(
        "patch",
        "{basket}/checkout/",
        {"colour": "red"},
        400,
        "unknown_field",
        "Unknown field(s): colour",
        id="unknown-checkout-field",
    ),
    pytest.param(
        "patch",
        "{basket}/checkout/",
        {"payment_address": "not an object"},
        400,
        "invalid_payment_address",
        "payment_address:",
        id="address-not-an-object",
    ),
    pytest.param(
        "patch",
        "{basket}/checkout/",
        ["not", "an", "object"],
        400,
        "invalid_body",
        "must be a JSON object",
        id="body-not-an-object",
    ),
    pytest.param(
        "post",
        "/api/baskets/not-a-guid/lines/",
        {"product_id": "SHIRT", "quantity": 1},
        400,
        "invalid_guid",
        "is not a valid GUID",
        id="malformed-guid",
    ),
    pytest.param(
        "post",
        "/api/baskets/{unknown}/lines/",
        {"product_id": "SHIRT", "quantity": 1},
        404,
        "basket_not_found",
        "No basket with GUID",
        id="unknown-basket",
    ),
    pytest.param(
        "post",
        "/api/baskets/",
        {"shop_account": "{unknown}"},
        400,
        "unknown_shop_account",
        "No shop account with GUID",
        id="unknown-shop-account",
    ),
    pytest.param(
        "post",
        "/api/baskets/",
        {"customer_account": "X-404"},
        400,
        "unknown_customer_account",
        "ERP account ID “X-404”",
        id="unknown-customer-account",
    ),
    pytest.param(
        "post",
        "/api/baskets/",
        {"salesperson": "nope"},
        400,
        "invalid_salesperson",
        "is not a valid GUID",
        id="malformed-salesperson",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "payload", "status", "code", "message"), REFUSALS)
def test_every_validation_error_is_a_clear_4xx_and_changes_nothing(
    api, catalogue, method, path, payload, status, code, message
):
    """SPEC: API-2 API-3 section 7 — unknown product, unavailable variant, bad quantity,
    unknown coupon, wrong stage order, malformed input: a clear 4xx, nothing changed."""
    # given a basket with one line
    basket = BasketFactory()
    line = LineFactory(basket=basket, product_id="SHIRT", quantity=1)
    names = {"basket": f"/api/baskets/{basket.guid}", "line": line.pk, "unknown": uuid.uuid4()}

    # when the request is refused, then with this status, code and message, changing nothing
    refused(
        api,
        method,
        path.format(**names),
        filled(payload, names),
        status=status,
        code=code,
        message=message,
    )


@pytest.mark.django_db
def test_malformed_json_is_a_clear_400(api):
    """SPEC: API-3 section 7"""
    basket = BasketFactory()

    malformed = api.generic(
        "POST", f"/api/baskets/{basket.guid}/lines/", "{not json", content_type="application/json"
    )

    assert malformed.status_code == 400 and "JSON parse error" in malformed.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/baskets/{guid}/checkout/", '{"a":' * 1000 + "1" + "}" * 1000),
        ("POST", "/api/baskets/", "[" * 1000 + "]" * 1000),
        ("POST", "/api/baskets/{guid}/lines/", '{"a":' * 40 + "1" + "}" * 40),
        ("POST", "/api/baskets/{guid}/payment/", "[" * 5000 + "]" * 5000),
    ],
    ids=["object-1000", "list-1000", "object-40", "payment-list-5000"],
)
def test_a_body_nested_too_deep_is_a_clear_400_and_changes_nothing(api, method, path, body):
    """SPEC: API-3 section 7 — JSON nested past what any request needs (1,000 levels breaks
    Python's decoder) is refused with the error body, not a 500."""
    basket = BasketFactory()
    before = list(Basket.objects.values())
    api = api_client("payments") if "payment" in path else api
    response = api.generic(
        method, path.format(guid=basket.guid), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - the body nests deeper than 32 levels.",
        "code": "parse_error",
    }
    assert list(Basket.objects.values()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        '{"delivery_address": {"line1\\u0000": "x"}}',
        '{"delivery_address": {"line1": "Main\\u0000Street"}}',
        '{"order_comment": "\\u0000"}',
        '{"user_values": {"size": ["M", "L\\u0000"]}}',
    ],
    ids=["key", "address-value", "comment", "nested-list"],
)
def test_text_holding_a_nul_character_is_a_clear_400_and_changes_nothing(api, body):
    """SPEC: API-3 section 7 — PostgreSQL stores no NUL character: a body holding one, as a
    key or in a value at any depth, is refused with the error body instead of a 500."""
    basket = BasketFactory()
    before = list(Basket.objects.values())

    response = api.generic(
        "PATCH", f"/api/baskets/{basket.guid}/checkout/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - text may not hold the NUL character (\\u0000).",
        "code": "parse_error",
    }
    assert list(Basket.objects.values()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.LOCKED, Status.AWAITING_COMPLETION, Status.COMPLETED])
def test_a_basket_that_is_not_active_rejects_every_edit(api, catalogue, status):
    """SPEC: API-2 LC-1 — a Locked (or paid) basket rejects edits with 409."""
    basket = basket_in_status(status)
    LineFactory(basket=basket, product_id="SHIRT")
    url = f"/api/baskets/{basket.guid}"
    line = basket.lines.get(product_id="SHIRT").pk
    expected = "locked until staff" if status == Status.LOCKED else "start a new basket"
    for method, path, payload in (
        ("post", "lines/", {"product_id": "SHIRT", "quantity": 1}),
        ("patch", f"lines/{line}/", {"quantity": 3}),
        ("delete", f"lines/{line}/", None),
        ("post", "coupons/", {"code": "TEN"}),
        ("post", "gift-cards/", {"code": "GIFT5"}),
        ("patch", "checkout/", {"order_comment": "hi"}),
        ("post", "stage/", {"stage": "login_register"}),
        ("post", "payment-return/", {}),
    ):
        refused(
            api,
            method,
            f"{url}/{path}",
            payload,
            status=409,
            code="basket_not_editable",
            message=expected,
        )


@pytest.mark.django_db
def test_writes_need_a_token(catalogue):
    """SPEC: API-2 section 8 — token authentication on every write."""
    response = APIClient().post("/api/baskets/", {}, format="json")
    assert response.status_code == 401
    assert Basket.objects.count() == 0


@pytest.mark.django_db
def test_the_schema_describes_the_write_endpoints(api):
    """SPEC: API-3"""
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/baskets/{guid}/lines/",
        "/api/baskets/{guid}/payment/",
        "/api/baskets/{guid}/stage/",
        "/api/baskets/{guid}/payment-return/",
    ):
        assert "post" in paths[path], path
    assert "post" in paths["/api/baskets/"] and "get" in paths["/api/baskets/"]


@pytest.mark.django_db
def test_every_storefront_write_records_the_activity_time(api, catalogue):
    """SPEC: AB-1 API-2 — each write moves last_activity_at (the abandonment sweep reads it)."""
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    with time_machine.travel(start, tick=False):
        guid = api.post("/api/baskets/", {}, format="json").json()["guid"]
    basket = Basket.objects.get(guid=guid)
    assert basket.last_activity_at == start
    url = f"/api/baskets/{guid}"
    steps = [
        ("post", "lines/", {"product_id": "SHIRT", "quantity": 1}),
        ("patch", "lines/{line}/", {"quantity": 2}),
        ("post", "coupons/", {"code": "TEN"}),
        ("delete", "coupons/TEN/", None),
        ("post", "gift-cards/", {"code": "GIFT5"}),
        ("delete", "gift-cards/GIFT5/", None),
        ("patch", "checkout/", {"delivery_method": "post"}),
        ("post", "stage/", {"stage": "login_register"}),
        ("post", "stage/", {"stage": "additional_information"}),
        ("post", "stage/", {"stage": "manage_booking"}),
        ("post", "stage/", {"stage": "payment"}),
        ("post", "payment-return/", {}),
        ("post", "payment/", {"result": "failed", "currency": "EUR"}),
        ("delete", "lines/{line}/", None),
    ]
    provider = api_client("payments")  # AC-2: only the provider reports payment results
    for minute, (method, path, payload) in enumerate(steps, start=1):
        line = basket.lines.values_list("pk", flat=True).first()
        client = provider if path == "payment/" else api
        if path == "payment/":
            payload = {**payload, "amount": str(basket.total)}
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            response = getattr(client, method)(
                f"{url}/{path.format(line=line)}", payload, format="json"
            )
            assert response.status_code == 200, (path, response.json())
            basket.refresh_from_db()
            assert basket.last_activity_at == timezone.now(), path
