"""Guessing is slow (SPEC AC-5): logins lock out after repeated failures; the API throttles
each client, the status fast path included, and a 429 says when to come back."""

import pytest
from django.core.cache import cache

from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import BasketFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def fresh_budgets():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "staff"), [("/admin/login/", True), ("/accounts/login/", False)], ids=["admin", "shop"]
)
def test_logins_lock_out_after_repeated_failures(client, settings, url, staff):
    """SPEC: AC-5 — past the limit even the right password is refused, with 429."""
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="ada", is_staff=staff, is_superuser=staff)
    for _ in range(3):
        wrong = client.post(url, {"username": "ada", "password": "guess"})
        assert wrong.status_code in (200, 429)
    locked = client.post(url, {"username": "ada", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert user.pk is not None


@pytest.mark.django_db
def test_a_login_under_the_limit_succeeds_and_resets_the_count(client, settings):
    """SPEC: AC-5"""
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "ada", "password": "guess"})
    done = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert done.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/baskets/{guid}/", "/api/baskets/{guid}/status/", "/api/baskets/"],
    ids=["basket", "status-fast-path", "list"],
)
@pytest.mark.parametrize("who", ["status", "staff"], ids=["status-reader", "staff-token"])
def test_the_api_throttles_each_client_with_retry_after(settings, fresh_budgets, path, who):
    """SPEC: AC-5 — the limit is per client; the fast path counts against the same budget."""
    settings.API_THROTTLE_RATE = "3/minute"
    basket = BasketFactory()
    api = api_client("status") if who == "status" else token_client(staff_user("Order processor"))
    other = api_client("storefront")
    url = path.format(guid=basket.guid)
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(url)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert other.get(url).status_code == 200


@pytest.mark.django_db
def test_the_fast_path_and_the_full_views_share_one_budget(settings, fresh_budgets):
    """SPEC: AC-5"""
    settings.API_THROTTLE_RATE = "4/minute"
    basket = BasketFactory()
    api = api_client("status")
    assert api.get(f"/api/baskets/{basket.guid}/status/").status_code == 200
    assert api.get(f"/api/baskets/{basket.guid}/").status_code == 200
    assert api.get(f"/api/baskets/{basket.guid}/status/").status_code == 200
    assert api.get("/api/baskets/").status_code == 200
    assert api.get(f"/api/baskets/{basket.guid}/status/").status_code == 429
    assert api.get(f"/api/baskets/{basket.guid}/").status_code == 429
