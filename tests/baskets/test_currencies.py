"""Prices per currency (SPEC SH-2): the shop's currencies, a price per item and currency,
amounts rounded by the currency's minor unit."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from baskets.currencies import (
    MINOR_UNITS,
    CurrencyListField,
    UnknownCurrency,
    amount_format,
    amount_text_sql,
    currency_list_parse,
)
from baskets.models import Basket, BasketEvent, Coupon, Line, PaymentResult, Stage, Variant
from tests.support.clients import api_client
from tests.support.factories import ProductFactory, price_set


@pytest.fixture
def shop(settings):
    settings.SHOP_CURRENCIES = ["EUR", "JPY"]
    kettle = ProductFactory(id="KETTLE", price="10.00", prices={"JPY": "1745"})
    ProductFactory(id="EURO-ONLY", price="5.00")
    return kettle


@pytest.fixture
def storefront():
    return api_client("storefront", "storefront")


def basket_in(storefront, currency: str) -> dict:
    response = storefront.post("/api/baskets/", {"currency": currency}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def world() -> list:
    return [
        list(Basket.objects.order_by("pk").values()),
        list(Line.objects.order_by("pk").values()),
        list(BasketEvent.objects.order_by("pk").values()),
        list(PaymentResult.objects.order_by("pk").values()),
    ]


@pytest.mark.django_db
def test_eur_and_jpy_baskets_of_the_same_product_get_their_own_prices(shop, storefront):
    """SPEC: SH-2 — each basket is priced in its own currency; JPY has no decimals."""
    euro, yen = basket_in(storefront, "EUR"), basket_in(storefront, "JPY")

    for basket in (euro, yen):
        added = storefront.post(
            f"/api/baskets/{basket['guid']}/lines/",
            {"product_id": "KETTLE", "quantity": 3},
            format="json",
        )
        assert added.status_code == 200, added.content

    euro_read = storefront.get(f"/api/baskets/{euro['guid']}/").json()
    yen_read = storefront.get(f"/api/baskets/{yen['guid']}/").json()
    assert (euro_read["currency"], euro_read["total"]) == ("EUR", "30.00")
    assert [line["unit_price"] for line in euro_read["lines"]] == ["10.00"]
    assert (yen_read["currency"], yen_read["total"]) == ("JPY", "5235")
    assert [line["unit_price"] for line in yen_read["lines"]] == ["1745"]


@pytest.mark.django_db
def test_jpy_totals_are_rounded_to_whole_yen_after_a_coupon(shop, storefront):
    """SPEC: SH-2 — 1745 JPY less 10 % is 1570.5: the total is 1571, never "1570.50"."""
    Coupon.objects.create(code="TEN", percent_off=Decimal("10"))
    yen = basket_in(storefront, "JPY")
    storefront.post(
        f"/api/baskets/{yen['guid']}/lines/", {"product_id": "KETTLE", "quantity": 1}, format="json"
    )

    answer = storefront.post(f"/api/baskets/{yen['guid']}/coupons/", {"code": "TEN"}, format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json()["total"] == "1571"
    assert storefront.get(f"/api/baskets/{yen['guid']}/").json()["total"] == "1571"
    assert Basket.objects.get(guid=yen["guid"]).total == Decimal("1571")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "currency", ["XXX", "XTS", "XAU", "USD"], ids=["no-currency", "testing", "gold", "not-shop"]
)
def test_a_basket_in_a_currency_the_shop_does_not_sell_in_is_refused(shop, storefront, currency):
    """SPEC: SH-2 — 400 unsupported_currency; nothing is created."""
    before = world()

    response = storefront.post("/api/baskets/", {"currency": currency}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_currency"
    assert world() == before


@pytest.mark.django_db
def test_a_basket_without_a_currency_gets_the_shops_default(shop, storefront, settings):
    """SPEC: SH-2 — the first of SHOP_CURRENCIES."""
    settings.SHOP_CURRENCIES = ["JPY", "EUR"]

    response = storefront.post("/api/baskets/", {}, format="json")

    assert response.json()["currency"] == "JPY"


@pytest.mark.django_db
def test_a_product_with_no_jpy_price_cannot_enter_a_jpy_basket(shop, storefront):
    """SPEC: SH-2 — 400 no_price_in_currency; the basket is unchanged."""
    yen = basket_in(storefront, "JPY")
    before = world()

    response = storefront.post(
        f"/api/baskets/{yen['guid']}/lines/",
        {"product_id": "EURO-ONLY", "quantity": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "no_price_in_currency"
    assert "EURO-ONLY" in response.json()["detail"]
    assert world() == before


@pytest.mark.django_db
def test_a_variant_uses_its_own_price_in_the_currency_else_its_products(shop, storefront):
    """SPEC: SH-2 — a variant priced in EUR only sells at the product's JPY price."""
    large = Variant.objects.create(id="KETTLE-L", product=shop, name="Large")
    price_set(shop, "EUR", Decimal("12.50"), variant=large)
    euro, yen = basket_in(storefront, "EUR"), basket_in(storefront, "JPY")

    for basket in (euro, yen):
        storefront.post(
            f"/api/baskets/{basket['guid']}/lines/",
            {"product_id": "KETTLE", "variant_id": "KETTLE-L", "quantity": 1},
            format="json",
        )

    assert storefront.get(f"/api/baskets/{euro['guid']}/").json()["total"] == "12.50"
    assert storefront.get(f"/api/baskets/{yen['guid']}/").json()["total"] == "1745"


def jpy_basket_at_payment(total: str) -> Basket:
    basket = Basket.objects.create(
        currency="JPY",
        stage=Stage.PAYMENT,
        total=Decimal(total),
        created_at="2026-03-01T10:00Z",
        modified_at="2026-03-01T10:00Z",
        last_activity_at="2026-03-01T10:00Z",
        payment_started_at="2026-03-01T10:00Z",
    )
    Line.objects.create(basket=basket, product_id="KETTLE", quantity=1, unit_price=Decimal(total))
    return basket


def pay(basket: Basket, amount: str):
    return api_client("payments", "provider").post(
        f"/api/baskets/{basket.guid}/payment/",
        {"result": "paid", "amount": amount, "currency": "JPY", "provider_reference": "P-1"},
        format="json",
    )


@pytest.mark.django_db
def test_a_payment_of_174_43_jpy_against_a_total_of_174_is_refused(shop):
    """SPEC: SH-2 AC-2 — the amount check uses the currency: JPY has no decimals."""
    basket = jpy_basket_at_payment("174")
    before = world()

    response = pay(basket, "174.43")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["outcome"]) == (
        "amount_mismatch",
        "reconciliation",
    )
    assert "more decimals than JPY" in response.json()["detail"]
    assert "total is 174 JPY" in response.json()["detail"]
    assert world()[:2] == before[:2]  # the basket and its lines: unchanged
    assert Basket.objects.get(pk=basket.pk).status == "active"


@pytest.mark.django_db
def test_a_payment_of_174_jpy_against_a_total_of_174_is_applied(shop):
    """SPEC: SH-2 AC-2 — the whole-yen amount matches."""
    basket = jpy_basket_at_payment("174")

    response = pay(basket, "174")

    assert (response.status_code, response.json()["outcome"]) == (200, "applied")
    assert Basket.objects.get(pk=basket.pk).status == "awaiting_completion"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EUR", ["EUR"]),
        ("eur, jpy ,USD", ["EUR", "JPY", "USD"]),
        (["EUR", "EUR", "CHF"], ["EUR", "CHF"]),
        ("XAF", ["XAF"]),
    ],
    ids=["one", "case-and-spaces", "list-deduplicated", "x-code-with-a-minor-unit"],
)
def test_currency_lists_take_iso_4217_codes(value, expected):
    """SPEC: SH-2 — ISO 4217 codes with a minor unit (CFA franc XAF has 0)."""
    assert currency_list_parse(value) == expected


@pytest.mark.parametrize(
    "value",
    ["EUR,XXX", "XYZ", "EURO", "", "BHD"],
    ids=["no-currency", "unknown", "not-a-code", "empty", "three-decimals"],
)
def test_currency_lists_refuse_anything_else(value):
    """SPEC: SH-2 — not ISO 4217, no currency at all, or finer than the stored cent."""
    with pytest.raises(UnknownCurrency):
        currency_list_parse(value)


def test_startup_refuses_shop_currencies_that_are_not_iso_4217(settings):
    """SPEC: SH-2 — the system check stops the start with baskets.E001."""
    settings.SHOP_CURRENCIES = ["EUR", "XYZ"]

    with pytest.raises(SystemCheckError, match="baskets.E001"):
        call_command("check")


def test_the_admin_field_refuses_xxx_and_keeps_valid_codes_tidy():
    """SPEC: SH-2 — the live setting's form field (admin → Config)."""
    field = CurrencyListField()

    assert field.clean("eur,jpy") == "EUR, JPY"
    with pytest.raises(Exception, match="XXX"):
        field.clean("EUR, XXX")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("174", "JPY", "174"),
        ("174.5", "JPY", "175"),
        ("10.5", "EUR", "10.50"),
        ("3", "CHF", "3.00"),
    ],
    ids=["jpy", "jpy-half-up", "eur", "chf"],
)
def test_amounts_are_written_with_the_currencys_digits(amount, currency, text):
    """SPEC: SH-2 — rounded by the minor unit (what mails, reports and the API show)."""
    assert amount_format(Decimal(amount), currency) == text


@pytest.mark.django_db
def test_the_database_writes_amounts_exactly_as_python_does_for_every_currency():
    """SPEC: SH-2 — webhook payloads (built in SQL) and the API agree, currency by currency."""
    codes = sorted(code for code, digits in MINOR_UNITS.items() if digits <= 2)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, "
            + amount_text_sql("amount", "code")
            + " FROM unnest(%s::text[]) AS code, (VALUES (174.00::numeric(12, 2))) AS v(amount)",
            [codes],
        )
        from_sql = dict(cursor.fetchall())

    assert from_sql == {code: amount_format(Decimal("174.00"), code) for code in codes}
    assert from_sql["JPY"] == "174"
    assert from_sql["EUR"] == "174.00"
