"""Payment results over HTTP (SPEC API-2, LC-1, LC-3, LC-4): paid, pending, failed,
cancelled; idempotent retries; late results; full card numbers refused and never kept."""

import logging
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from baskets.models import Basket, PaymentResult, Stage, Status
from baskets.services.actors import Actor
from baskets.services.locked_carts import locked_cart_confirm, locked_cart_delete
from tests.support.clients import api_client
from tests.support.factories import BasketFactory, LineFactory
from tests.support.snapshots import snapshot

STAFF = Actor.system("tests-staff")
# Luhn-valid test numbers (Visa, Mastercard, Amex, Discover) and how they may be typed.
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011000990139424"]
TYPED = ["4111 1111 1111 1111", "5555-5555-5555-4444", "3782 822463 10005", "6011000990139424"]


pytestmark = pytest.mark.api_as("payments", "provider")  # AC-2: only it reports payments


@pytest.fixture
def storefront():
    return api_client("storefront", "storefront")


def at_payment(**kwargs) -> Basket:
    basket = BasketFactory(stage=Stage.PAYMENT, total=Decimal("39.80"), **kwargs)
    LineFactory(basket=basket, quantity=2)
    Basket.objects.filter(pk=basket.pk).update(payment_started_at=basket.created_at)
    basket.refresh_from_db()
    return basket


def pay(api, basket, result, *, key=None, reference="PAY-1", masked="************1111"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        f"/api/baskets/{basket.guid}/payment/",
        {
            "result": result,
            "amount": str(basket.total),
            "currency": basket.currency,
            "provider_reference": reference,
            "masked_card_number": masked,
        },
        format="json",
        **headers,
    )


@pytest.mark.django_db
def test_paid_moves_the_basket_to_awaiting_completion(api):
    """SPEC: API-2 CB-3 LC-3 — paid: Awaiting Completion, reference and masked card kept."""
    basket = at_payment()
    response = pay(api, basket, "paid")
    assert response.status_code == 200
    assert response.json() == {
        "guid": str(basket.guid),
        "status": "awaiting_completion",
        "result": "paid",
        "outcome": "applied",
        "detail": "Paid: the basket awaits completion as an order.",
    }
    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION and basket.paid_at is not None
    assert (basket.payment_reference, basket.masked_card_number) == ("PAY-1", "************1111")
    assert list(basket.events.values_list("action", flat=True)) == ["mark_paid"]


@pytest.mark.django_db
def test_pending_locks_when_pending_payments_are_never_processed(api, settings):
    """SPEC: LC-1 — pending + policy "lock": the cart is Locked with the reason."""
    settings.PENDING_PAYMENT_POLICY = "lock"
    basket = at_payment()
    response = pay(api, basket, "pending", reference="PP-77")
    assert response.status_code == 200 and response.json()["status"] == "locked"
    basket.refresh_from_db()
    assert basket.status == Status.LOCKED and basket.locked_at is not None
    assert "Payment pending (reference PP-77)" in basket.lock_reason
    assert basket.payment_reference == "PP-77"
    assert list(basket.events.values_list("action", flat=True)) == ["lock"]


@pytest.mark.django_db
def test_pending_waits_for_the_final_result_when_the_policy_says_wait(api, settings):
    """SPEC: LC-1 — pending + policy "wait": stays Active; the later paid result completes."""
    settings.PENDING_PAYMENT_POLICY = "wait"
    basket = at_payment()
    assert pay(api, basket, "pending").json()["status"] == "active"
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE and basket.payment_result_at is not None
    assert pay(api, basket, "paid").json()["status"] == "awaiting_completion"
    assert list(basket.events.values_list("action", flat=True)) == ["payment_pending", "mark_paid"]


@pytest.mark.django_db
@pytest.mark.parametrize("result", ["failed", "cancelled"])
def test_failed_and_cancelled_leave_the_basket_active_for_another_try(api, storefront, result):
    """SPEC: API-2 LC-1 — failed / cancelled: Active, the payment attempt is over."""
    basket = at_payment()
    response = pay(api, basket, result)
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert "stays Active for another try" in response.json()["detail"]
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE and basket.payment_started_at is None
    assert list(basket.events.values_list("action", flat=True)) == [f"payment_{result}"]
    again = storefront.post(
        f"/api/baskets/{basket.guid}/stage/", {"stage": "payment"}, format="json"
    )
    assert again.status_code == 200
    basket.refresh_from_db()
    assert basket.payment_started_at is not None


@pytest.mark.django_db
def test_a_repeated_idempotency_key_returns_the_first_answer_and_changes_nothing(api, settings):
    """SPEC: API-2 — retries with the same Idempotency-Key are harmless."""
    settings.PENDING_PAYMENT_POLICY = "wait"
    basket = at_payment()
    first = pay(api, basket, "pending", key="k-1")
    before = snapshot()
    for _ in range(3):
        retry = pay(api, basket, "pending", key="k-1")
        assert (retry.status_code, retry.json()) == (first.status_code, first.json())
    # Even a different body under the same key replays the first answer.
    replay = pay(api, basket, "paid", key="k-1")
    assert replay.json() == first.json()
    assert snapshot() == before
    assert PaymentResult.objects.filter(idempotency_key="k-1").count() == 1

    paid = pay(api, basket, "paid", key="k-2")
    assert paid.json()["status"] == "awaiting_completion"
    before = snapshot()
    assert pay(api, basket, "paid", key="k-2").json() == paid.json()
    assert snapshot() == before
    assert basket.events.filter(action="mark_paid").count() == 1


@pytest.mark.django_db
def test_an_idempotency_key_of_another_basket_is_refused(api):
    """SPEC: API-2 section 7"""
    first, second = at_payment(), at_payment()
    pay(api, first, "failed", key="shared")
    before = snapshot()
    response = pay(api, second, "paid", key="shared")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert snapshot() == before


@pytest.mark.django_db
def test_bad_payment_input_is_refused_and_changes_nothing(api):
    """SPEC: API-2 section 7 — unknown result, unmasked card, basket unknown."""
    basket = at_payment()
    money = {"amount": "39.80", "currency": "EUR"}
    cases = [
        ({"result": "refunded", **money}, 400, "invalid_result", "result:"),
        (
            {"result": "paid", "masked_card_number": "41111111", **money},
            400,
            "invalid_masked_card_number",
            "masked card number",
        ),
        ({"result": "paid", "fee": 5, **money}, 400, "unknown_field", "Unknown field(s): fee"),
        ({"result": "paid"}, 400, "invalid_amount", "amount:"),
        ({"result": "paid", "amount": "39.80"}, 400, "invalid_currency", "currency:"),
        ({"result": "paid", "amount": "ten", "currency": "EUR"}, 400, "invalid_amount", "amount"),
    ]
    for payload, status_code, code, message in cases:
        before = snapshot()
        response = api.post(f"/api/baskets/{basket.guid}/payment/", payload, format="json")
        assert response.status_code == status_code, response.json()
        assert response.json()["code"] == code and message in response.json()["detail"]
        assert snapshot() == before
    before = snapshot()
    response = api.post(
        f"/api/baskets/{uuid.uuid4()}/payment/", {"result": "paid", **money}, format="json"
    )
    assert response.status_code == 404 and snapshot() == before


@pytest.mark.django_db
def test_a_result_after_staff_confirmed_makes_no_second_order_and_is_recorded(api):
    """SPEC: LC-4 — late result after Confirm order: nothing changes, kept for reconciliation."""
    basket = at_payment()
    pay(api, basket, "pending")
    locked_cart_confirm(basket_id=basket.pk, actor=STAFF, reason="seen at PayPal")
    basket.refresh_from_db()
    state = (basket.status, basket.paid_at, basket.modified_at, basket.payment_reference)

    response = pay(api, basket, "paid", reference="PAY-LATE")
    assert response.status_code == 200
    assert response.json()["outcome"] == "reconciliation"
    basket.refresh_from_db()
    assert (basket.status, basket.paid_at, basket.modified_at, basket.payment_reference) == state
    assert basket.events.filter(action="mark_paid").count() == 0
    late = PaymentResult.objects.get(provider_reference="PAY-LATE")
    assert late.outcome == "reconciliation" and late.basket == basket
    assert basket.events.filter(action="payment_reconciliation").count() == 1


@pytest.mark.django_db
def test_a_result_after_staff_deleted_the_basket_is_recorded_and_answers_409(api):
    """SPEC: LC-4 — late result after Delete: 409, recorded for reconciliation."""
    basket = at_payment()
    pay(api, basket, "pending")
    locked_cart_delete(basket_id=basket.pk, actor=STAFF, reason="no payment")

    response = pay(api, basket, "paid", reference="PAY-GONE", key="late-1")
    assert response.status_code == 409
    assert response.json()["code"] == "basket_deleted"
    assert "recorded for reconciliation" in response.json()["detail"]
    assert not Basket.objects.filter(guid=basket.guid).exists()
    late = PaymentResult.objects.get(provider_reference="PAY-GONE")
    assert (late.basket, late.basket_guid, late.outcome) == (None, basket.guid, "reconciliation")
    assert pay(api, basket, "paid", reference="PAY-GONE", key="late-1").json() == response.json()
    assert PaymentResult.objects.filter(provider_reference="PAY-GONE").count() == 1


@pytest.mark.django_db
def test_full_card_numbers_are_refused_everywhere_and_never_stored_or_logged(
    api, storefront, caplog, capsys
):
    """SPEC: LC-3 section 7 — a Luhn-valid 13-19 digit number in any field is refused;
    afterwards no table and no log line holds one."""
    caplog.set_level(logging.DEBUG)
    basket = at_payment()
    url = f"/api/baskets/{basket.guid}"
    attempts = []
    paid = {"result": "paid", "amount": "39.80", "currency": "EUR"}
    for card in CARDS + TYPED:
        attempts += [
            ("post", f"{url}/payment/", {**paid, "masked_card_number": card}, {}),
            ("post", f"{url}/payment/", {**paid, "provider_reference": card}, {}),
            ("post", f"{url}/payment/", paid, {"HTTP_IDEMPOTENCY_KEY": card}),
            ("patch", f"{url}/checkout/", {"order_comment": f"my card is {card} thanks"}, {}),
            ("patch", f"{url}/checkout/", {"user_values": {"note": card}}, {}),
            ("patch", f"{url}/checkout/", {"payment_address": {card: "x"}}, {}),
            ("post", f"{url}/coupons/", {"code": card}, {}),
            ("post", "/api/baskets/", {"location": card}, {}),
        ]
    before = snapshot()
    for method, path, payload, headers in attempts:
        client = api if path.endswith("/payment/") else storefront
        response = getattr(client, method)(path, payload, format="json", **headers)
        assert response.status_code == 400, (path, payload)
        body = response.json()
        assert body["code"] == "full_card_number"
        assert "Card numbers are never accepted" in body["detail"]
        assert not any(digit_run in response.content.decode() for digit_run in CARDS)
    coupon_in_path = storefront.delete(f"{url}/coupons/{CARDS[0]}/")
    assert coupon_in_path.status_code == 400
    assert snapshot() == before

    # A number that fails the Luhn check is an ordinary reference.
    accepted = pay(api, basket, "paid", reference="4111111111111112")
    assert accepted.status_code == 200

    digits = [re.sub(r"\D", "", card) for card in CARDS + TYPED]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT CAST(t AS text) FROM "{table}" t')  # noqa: S608
            for (row,) in cursor.fetchall():
                flat = re.sub(r"[ -]", "", row)
                assert not any(number in flat for number in digits), table
    logged = caplog.text + "".join(capsys.readouterr())
    assert not any(number in re.sub(r"[ -]", "", logged) for number in digits)
    assert "4111111111111112" in Basket.objects.get(pk=basket.pk).payment_reference


def test_a_guid_is_never_taken_for_a_card_number():
    """SPEC: LC-3 — a GUID whose digit groups form a Luhn-valid run is not a card number."""
    from security.cards import card_numbers_redact, contains_full_card_number, luhn_valid

    guid = "81234567-8901-2340-9abc-def012345678"
    assert luhn_valid("8123456789012340")  # its first three groups would pass as a card
    assert not contains_full_card_number(f"address guid {guid}")
    assert card_numbers_redact(f"basket {guid} card 4111 1111 1111 1111") == (
        f"basket {guid} card [card number removed]"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "currency"),
    [("39.79", "EUR"), ("0.00", "EUR"), ("39.80", "USD")],
    ids=["a-cent-short", "nothing", "other-currency"],
)
def test_a_result_whose_amount_is_not_the_total_changes_nothing_and_is_kept(api, amount, currency):
    """SPEC: AC-2 LC-4 — amount and currency must be the basket's total: a mismatch answers
    409, leaves the basket as it was and is recorded for reconciliation."""
    basket = at_payment()
    state = list(Basket.objects.filter(pk=basket.pk).values())
    response = api.post(
        f"/api/baskets/{basket.guid}/payment/",
        {"result": "paid", "amount": amount, "currency": currency},
        format="json",
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["outcome"]) == (
        "amount_mismatch",
        "reconciliation",
    )
    assert list(Basket.objects.filter(pk=basket.pk).values()) == state
    kept = PaymentResult.objects.get(basket=basket)
    assert (kept.outcome, kept.amount) == ("reconciliation", Decimal(amount))
    assert kept.currency == currency
    assert list(basket.events.values_list("action", flat=True)) == ["payment_reconciliation"]


@pytest.mark.django_db
@pytest.mark.parametrize("stage", [Stage.BASKET, Stage.MANAGE_BOOKING], ids=["basket", "manage"])
def test_a_result_for_a_basket_without_a_payment_started_is_refused(api, stage):
    """SPEC: AC-2 — a payment result counts only at the Payment stage with a payment
    started; otherwise 409, the basket stays as it was, the result is kept."""
    basket = BasketFactory(stage=stage, total=Decimal("39.80"))
    state = list(Basket.objects.filter(pk=basket.pk).values())
    response = pay(api, basket, "paid")
    assert (response.status_code, response.json()["code"]) == (409, "payment_not_started")
    assert list(Basket.objects.filter(pk=basket.pk).values()) == state
    assert PaymentResult.objects.get(basket=basket).outcome == "reconciliation"
