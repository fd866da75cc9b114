"""SPEC section 8 read interface: basket by GUID, list with the admin's filters."""

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY
from rest_framework.authtoken.models import Token
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from baskets.api.permissions import SHOPPER_REFUSED
from baskets.api.serializers import BasketSerializer
from baskets.models import Basket, Status
from baskets.services.transitions import basket_lock
from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import (
    SYSTEM,
    BasketFactory,
    LineFactory,
    UserFactory,
    basket_in_status,
    basket_with_every_read_field,
)


@pytest.mark.django_db
def test_basket_by_guid_has_the_documented_fields(api):
    """SPEC: API-1 RL-8"""
    basket = BasketFactory(total="39.80")
    LineFactory(basket=basket, product_id="PRD-1", variant_id="PRD-1-M", quantity=2)
    response = api.get(f"/api/baskets/{basket.guid}/")
    assert response.status_code == 200
    body = response.json()
    for key in (
        "guid",
        "status",
        "stage",
        "created_at",
        "modified_at",
        "total",
        "currency",
        "recovery_url",
        "lines",
    ):
        assert key in body
    assert body["guid"] == str(basket.guid)
    assert body["status"] == "active"
    assert body["recovery_url"] == f"{settings.SHOP_BASE_URL}/basket/recover/{basket.guid}/"
    assert body["lines"] == [
        {
            "id": basket.lines.get().pk,
            "kind": "product",
            "product_id": "PRD-1",
            "variant_id": "PRD-1-M",
            "quantity": 2,
            "unit_of_measure_id": "EA",
            "unit_price": "19.90",
            "booked_user_id": "",
        }
    ]
    assert response["ETag"]


@pytest.mark.parametrize(
    "modified_at",
    [
        datetime(2026, 11, 28, 9, 0, 0, 0, tzinfo=UTC),
        # Its ETag, once "<guid>-active-1795856400.000008", passed AC-4's card-number check
        # (16 digits, Luhn-valid), so the If-None-Match echoing it was refused with a 400.
        datetime(2026, 11, 28, 9, 0, 0, 8, tzinfo=UTC),
    ],
    ids=["plain-moment", "moment-whose-digits-pass-the-luhn-check"],
)
@pytest.mark.parametrize(
    "path", ["/api/baskets/{}/status/", "/api/baskets/{}/"], ids=["status", "detail"]
)
@pytest.mark.django_db
def test_etag_answers_not_modified_until_the_basket_changes(api, path, modified_at):
    """SPEC: API-1 AC-4 — the ETag a client sends back is never taken for a card number."""
    basket = basket_in_status(Status.ACTIVE)
    Basket.objects.filter(pk=basket.pk).update(modified_at=modified_at)
    url = path.format(basket.guid)

    first = api.get(url)
    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    basket_lock(basket_id=basket.pk, actor=SYSTEM, reason="pending")
    changed = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first.json()["status"] == "active"
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert changed.status_code == 200 and changed.json()["status"] == "locked"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/baskets/{}/", "/api/baskets/{}/status/"])
def test_unknown_and_malformed_guid_are_clear_json_errors(api, path):
    """SPEC: API-3"""
    unknown = api.get(path.format(uuid.uuid4()))
    assert unknown.status_code == 404
    assert "No basket with GUID" in unknown.json()["detail"]
    malformed = api.get(path.format("not-a-guid"))
    assert malformed.status_code == 400
    assert malformed.json() == {
        "detail": "“not-a-guid” is not a valid GUID.",
        "code": "invalid_guid",
    }


@pytest.mark.django_db
def test_anonymous_client_is_refused(client):
    basket = BasketFactory()
    response = client.get(f"/api/baskets/{basket.guid}/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


@pytest.mark.django_db
def test_list_filters_and_cursor_pages(api):
    """SPEC: API-1 BM-3"""
    now = timezone.now()
    old = [BasketFactory(created_at=now - timedelta(days=10)) for _ in range(3)]
    recent = [BasketFactory(customer=True, created_at=now - timedelta(minutes=i)) for i in range(5)]
    locked = basket_in_status(Status.LOCKED, created_at=now - timedelta(days=2))

    response = api.get("/api/baskets/", {"status": "locked"})
    assert [row["guid"] for row in response.json()["results"]] == [str(locked.guid)]

    response = api.get("/api/baskets/", {"account_type": "customer", "page_size": 2})
    body = response.json()
    assert [row["guid"] for row in body["results"]] == [str(b.guid) for b in recent[:2]]
    seen = [row["guid"] for row in body["results"]]
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += [row["guid"] for row in body["results"]]
    assert seen == [str(b.guid) for b in recent]

    before = (now - timedelta(days=5)).strftime("%Y-%m-%d")
    response = api.get("/api/baskets/", {"created_before": before})
    assert {row["guid"] for row in response.json()["results"]} == {str(b.guid) for b in old}

    email = recent[0].shop_account.email.upper()
    response = api.get("/api/baskets/", {"shop_account_email": email})
    assert [row["guid"] for row in response.json()["results"]] == [str(recent[0].guid)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_after": "31/31/2026"}, "created_after"),
        ({"status": "shipped"}, "status"),
        ({"guid": "123"}, "guid"),
        ({"shop_account_id": "zz"}, "shop_account_id"),
        ({"created_before": "9999-12-31"}, "created_before"),
        ({"created_after": "9999-12-31"}, "created_after"),
        ({"modified_after": "0001-01-01"}, "modified_after"),
    ],
)
def test_list_rejects_bad_filter_values(api, params, field):
    """SPEC: API-3 BM-3 — malformed date, status name or GUID: 400 with a message."""
    response = api.get("/api/baskets/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert field in body["errors"]


@pytest.mark.django_db
def test_schema_and_docs_are_served(api):
    """SPEC: API-3"""
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/baskets/{guid}/" in schema.json()["paths"]


@pytest.mark.django_db
def test_status_fast_path_answers_exactly_as_the_full_view(api, client, admin_user):
    """SPEC: API-1 API-3 — token pollers get the same body, ETag and errors as other clients."""
    basket = basket_in_status(Status.LOCKED)
    url = f"/api/baskets/{basket.guid}/status/"
    fast = api.get(url)
    client.force_login(admin_user)
    full = client.get(url)
    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content
    assert fast["ETag"] == full["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=fast["ETag"]).status_code == 304

    unknown = f"/api/baskets/{uuid.uuid4()}/status/"
    assert api.get(unknown).json()["detail"] == client.get(unknown).json()["detail"]
    assert api.get(unknown).status_code == 404
    bad = api.get("/api/baskets/not-a-guid/status/")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_guid")

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    refused = stranger.get(url)
    assert (refused.status_code, refused.json()["detail"]) == (401, "Invalid token.")
    assert refused["WWW-Authenticate"] == "Token"
    user = Token.objects.get().user
    user.is_active = False
    user.save()
    assert api.get(url).status_code == 401


READERS = {
    "storefront": lambda: api_client("storefront", "storefront"),
    "status reader": lambda: api_client("status", "status-reader"),
    "order processor": lambda: token_client(staff_user("Order processor")),
    "system administrator": lambda: token_client(staff_user("System administrator")),
}


@pytest.mark.django_db
@pytest.mark.parametrize("reader", READERS)
def test_full_basket_read_is_the_serializer_for_every_reader(reader, client):
    """SPEC: API-1 AC-2 RL-8 — the one-query read (token clients) and the DRF view (sessions)
    answer exactly what ``BasketSerializer`` documents, field by field, for each reader's
    rights: codes and recovery links for the Storefront and staff, the purchaser only for
    those who may see personal data, and the ETag the status poll gives."""
    basket = basket_with_every_read_field()
    api = READERS[reader]()
    response = api.get(f"/api/baskets/{basket.guid}/")
    assert response.status_code == 200

    user = Token.objects.get(key=api._credentials["HTTP_AUTHORIZATION"].split()[1]).user
    request = SimpleNamespace(user=user)
    expected = BasketSerializer(
        Basket.objects.prefetch_related("lines").get(pk=basket.pk), context={"request": request}
    ).data
    assert response.content == JSONRenderer().render(expected)
    assert ("coupon_codes" in expected) == (reader != "status reader")
    assert ("purchaser_label" in expected) == (reader in ("storefront", "system administrator"))
    status = api.get(f"/api/baskets/{basket.guid}/status/")
    assert response["ETag"] == status["ETag"]
    assert api.get(
        f"/api/baskets/{basket.guid}/", HTTP_IF_NONE_MATCH=response["ETag"]
    ).status_code == 304

    if user.is_staff:  # the DRF view, for a staff session, answers the same bytes
        client.force_login(user)
        session = client.get(f"/api/baskets/{basket.guid}/")
        assert session.content == response.content
        assert session["ETag"] == response["ETag"]


@pytest.mark.django_db
def test_full_basket_read_refuses_as_the_drf_view_does():
    """SPEC: API-3 AC-2 — 401, 403, 400 and 404 from the one-query read, DRF's words."""
    basket = BasketFactory()
    url = f"/api/baskets/{basket.guid}/"
    payments = api_client("payments", "payments")
    refused = payments.get(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    shopper = token_client(UserFactory())
    assert shopper.get(url).json()["detail"] == SHOPPER_REFUSED
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    unauthenticated = stranger.get(url)
    assert (unauthenticated.status_code, unauthenticated["WWW-Authenticate"]) == (401, "Token")
    api = api_client("status", "status-reader")
    bad = api.get("/api/baskets/not-a-guid/")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_guid")
    unknown = api.get(f"/api/baskets/{uuid.uuid4()}/")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/baskets/{guid}/", "/api/baskets/{guid}/status/"])
def test_token_reads_keep_the_headers_checks_and_metrics_of_every_answer(api, path):
    """SPEC: API-1 AC-4 IN-3 IN-4 — token reads are answered before the session, CSRF and
    login middleware; they keep the security headers, request id, content length, metric and
    card-number refusal every other answer has, and set no cookie."""
    basket = BasketFactory()
    url = path.format(guid=basket.guid)
    labels = {"view": f"api:{'basket-status' if 'status' in path else 'basket-detail'}"}
    counted = {**labels, "method": "GET", "status": "200"}
    before = REGISTRY.get_sample_value("basketops_http_requests_total", counted) or 0

    answer = api.get(url, HTTP_X_REQUEST_ID="poll-7")

    assert answer.status_code == 200
    assert answer["X-Request-ID"] == "poll-7"
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
    assert answer["Content-Length"] == str(len(answer.content))
    assert not answer.cookies
    assert REGISTRY.get_sample_value("basketops_http_requests_total", counted) == before + 1
    unchanged = api.get(url, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert (unchanged.status_code, unchanged["Content-Length"]) == (304, "0")
    assert unchanged["X-Frame-Options"] == "DENY"

    carded = api.get(url, {"ref": "4111 1111 1111 1111"})
    assert (carded.status_code, carded.json()["code"]) == (400, "full_card_number")
    assert "4111" not in carded.content.decode()
    modified_at = Basket.objects.get(pk=basket.pk).modified_at
    assert modified_at == basket.modified_at
