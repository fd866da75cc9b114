"""API clients (SPEC AC-2, API-3): made by one command, documented in the schema."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support.factories import BasketFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "group", "status_code"),
    [
        ("storefront", "Storefront", 200),
        ("status", "Status reader", 200),
        ("payments", "Payment provider", 403),
    ],
    ids=["storefront", "status", "payments"],
)
def test_api_client_create_makes_user_group_and_token_and_prints_the_key_once(
    role, group, status_code
):
    """SPEC: AC-2 — the user cannot log in (no password); the printed key works."""
    out = io.StringIO()
    call_command("api_client_create", "shop-1", "--role", role, stdout=out)
    user = get_user_model().objects.get(username="shop-1")
    key = Token.objects.get(user=user).key
    assert out.getvalue().count(key) == 1
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert not user.has_usable_password() and not user.is_staff
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/baskets/{BasketFactory().guid}/").status_code == status_code


@pytest.mark.django_db
def test_api_client_create_refuses_a_taken_name_or_an_unknown_role():
    """SPEC: AC-2 section 7 — a clear error, nothing made."""
    call_command("api_client_create", "shop-1", "--role", "status", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("api_client_create", "shop-1", "--role", "storefront", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("api_client_create", "shop-2", "--role", "admin", stdout=io.StringIO())
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["shop-1"]


@pytest.mark.django_db
def test_drf_create_token_still_works_for_a_client():
    """SPEC: section 8 — `drf_create_token <username>` shows the client's token."""
    call_command("api_client_create", "shop-1", "--role", "status", stdout=io.StringIO())
    out = io.StringIO()
    call_command("drf_create_token", "shop-1", stdout=out)
    assert Token.objects.get(user__username="shop-1").key in out.getvalue()


# Every operation of the API (API-1, API-2, AB-5, IN-5): one added later must be added here.
OPERATIONS = {
    ("get", "/api/baskets/"),
    ("post", "/api/baskets/"),
    ("get", "/api/baskets/{guid}/"),
    ("get", "/api/baskets/{guid}/status/"),
    ("patch", "/api/baskets/{guid}/checkout/"),
    ("post", "/api/baskets/{guid}/coupons/"),
    ("delete", "/api/baskets/{guid}/coupons/{code}/"),
    ("post", "/api/baskets/{guid}/gift-cards/"),
    ("delete", "/api/baskets/{guid}/gift-cards/{code}/"),
    ("post", "/api/baskets/{guid}/lines/"),
    ("patch", "/api/baskets/{guid}/lines/{line_id}/"),
    ("delete", "/api/baskets/{guid}/lines/{line_id}/"),
    ("post", "/api/baskets/{guid}/payment/"),
    ("post", "/api/baskets/{guid}/payment-return/"),
    ("post", "/api/baskets/{guid}/resume/"),
    ("post", "/api/baskets/{guid}/stage/"),
    ("post", "/api/baskets/{guid}/upsell/"),
    ("get", "/api/shoppers/{key}/baskets/"),
    ("get", "/api/visitors/{key}/baskets/"),
    ("post", "/api/shoppers/handover/"),
    # PV-3: erasure and export of one shopper.
    ("post", "/api/privacy/erasures/"),
    ("get", "/api/privacy/exports/"),
}
# SH-1: the shop's records, each kind read and written the same four ways.
SYNC_KINDS = (
    "products", "variants", "shop-accounts", "customer-accounts", "salespersons", "coupons",
    "gift-cards",
)
OPERATIONS |= {
    (method, path.format(kind=kind))
    for kind in SYNC_KINDS
    for method, path in (
        ("get", "/api/{kind}/"),
        ("post", "/api/{kind}/"),
        ("get", "/api/{kind}/{{shop_id}}/"),
        ("put", "/api/{kind}/{{shop_id}}/"),
    )
}
WRITES = {"post", "patch", "delete"}


@pytest.mark.django_db
def test_the_schema_documents_each_operations_errors_and_clients(client):
    """SPEC: API-3 AC-2 — 400/401/403/429 (404 with an identifier in the path; 404, 409
    and 415 on a write) with the {detail, code} body on every operation, and the clients
    that may call it."""
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "code"]
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert {(method, path) for path, method, _operation in operations} == OPERATIONS
    assert len(operations) == len(OPERATIONS) == 22 + 4 * len(SYNC_KINDS)
    for path, method, operation in operations:
        codes = {"400", "401", "403", "429"}
        codes |= {"404"} if "{" in path else set()
        codes |= {"404", "409", "415"} if method in WRITES else set()
        assert codes <= set(operation["responses"]), (method, path)
        # A payment result that was not applied answers 409 with the result kept (PAY).
        kept = {"409"} if path.endswith("/payment/") else set()
        for code in codes - kept:
            error = operation["responses"][code]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (method, path, code)
        assert "Allowed clients: " in operation["description"], (method, path)
        error = operation["responses"]["403"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in operation["responses"]["429"]["headers"]
    payment = schema["paths"]["/api/baskets/{guid}/payment/"]["post"]
    assert payment["description"].endswith("Allowed clients: Payment provider.")
    upsell = schema["paths"]["/api/baskets/{guid}/upsell/"]["post"]
    assert upsell["description"].endswith("Allowed clients: Storefront.")
    # SH-3: the hand-over signs a shopper in: the shop itself, nobody else.
    handover = schema["paths"]["/api/shoppers/handover/"]["post"]
    assert handover["description"].endswith("Allowed clients: Storefront.")
    # PV-3: only the shop erases; the export is personal data.
    erasure = schema["paths"]["/api/privacy/erasures/"]["post"]
    assert erasure["description"].endswith("Allowed clients: Storefront.")
    export = schema["paths"]["/api/privacy/exports/"]["get"]
    assert export["description"].endswith(
        "Allowed clients: Storefront, staff (System administrator)."
    )
    for path in ("/api/shoppers/{key}/baskets/", "/api/visitors/{key}/baskets/"):
        # IN-5: the answer holds personal data (AC-1): no Status reader, no Order processor.
        description = schema["paths"][path]["get"]["description"]
        assert description.endswith("Allowed clients: Storefront, staff (System administrator).")
