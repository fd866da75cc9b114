"""Guessing is slow (SPEC AC-5): logins lock out after repeated failures; the API throttles
each client, the status fast path included, and a 429 says when to come back."""

import json
import socket

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from baskets.api.throttles import LOCAL_BUDGETS
from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import BasketFactory, UserFactory
from tests.support.processes import child_env, run_manage

PASSWORD = "correct horse battery staple"


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


def proxy_settings(**env: str) -> dict:
    """The client-address settings the product computes from ``env`` (a fresh process)."""
    names = [
        "AXES_IPWARE_META_PRECEDENCE_ORDER", "AXES_IPWARE_PROXY_ORDER",
        "AXES_IPWARE_PROXY_COUNT", "IPWARE_STRICT",
    ]  # fmt: skip
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names}}}))"
    )
    done = run_manage("shell", "-c", code, env=child_env(**env))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("env", "proxies_after_client"),
    [({"HTTPS": "true"}, []), ({"HTTPS": "true", "TRUSTED_PROXY_COUNT": "2"}, ["10.0.0.1"])],
    ids=["https-one-proxy", "two-proxies"],
)
def test_behind_a_proxy_only_the_attackers_address_is_locked(settings, env, proxies_after_client):
    """SPEC: AC-5 — behind the HTTPS proxy the client's address is the X-Forwarded-For entry
    the proxy appended: an attacker rotating what they write before it locks out only their
    own address, and the owner logs in from theirs."""
    for name, value in proxy_settings(**env).items():
        setattr(settings, name, value)
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def login(client_address: str, password: str, written: str = ""):
        chain = ", ".join([*([written] if written else []), client_address, *proxies_after_client])
        return Client().post(
            "/admin/login/", {"username": "admin", "password": password},
            HTTP_X_FORWARDED_FOR=chain, **proxy,
        )  # fmt: skip

    for number in range(6):
        login("203.0.113.66", "guess", written=f"198.51.100.{number}")
    assert login("203.0.113.66", PASSWORD, written="192.0.2.10").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}
    owner = login("192.0.2.10", PASSWORD)
    assert owner.status_code == 302
    assert "_auth_user_id" in owner.wsgi_request.session


@pytest.mark.redis
@pytest.mark.django_db
def test_with_redis_configured_every_web_process_shares_one_budget(fresh_budgets):
    """SPEC: AC-5 — with only the broker's Redis configured (no CACHE_URL), a client's budget
    spent in one process is spent in the next: separate processes, one count."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "CI sets REDIS_URL"
    spend = (
        "from types import SimpleNamespace; "
        "from django.contrib.auth.models import User; "
        "from baskets.api.throttles import ClientRateThrottle; "
        "client = SimpleNamespace(user=User(pk=987654321), META={}); "
        "print(ClientRateThrottle().allow_request(client, None))"
    )
    env = child_env(API_THROTTLE_RATE="2/minute")
    env.pop("CACHE_URL", None)
    answers = []
    for _ in range(3):
        done = run_manage("shell", "-c", spend, env=env)
        assert done.returncode == 0, done.stderr
        answers.append(done.stdout.strip().splitlines()[-1])
    assert answers == ["True", "True", "False"]


@pytest.mark.django_db
def test_a_redis_that_cannot_be_reached_leaves_the_api_answering_and_still_throttling(
    settings, caplog
):
    """SPEC: AC-5 — while the shared budget cache is down (here a port nobody listens on)
    the API answers as usual, each process counts the budgets itself, and a warning says so;
    nothing is a 500."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "basketops-throttle",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.API_THROTTLE_RATE = "3/minute"
    LOCAL_BUDGETS.clear()
    basket = BasketFactory()
    api = api_client("status")
    with caplog.at_level("WARNING", logger="baskets.api.throttles"):
        codes = [api.get(f"/api/baskets/{basket.guid}/status/").status_code for _ in range(3)]
        refused = api.get(f"/api/baskets/{basket.guid}/")
    assert codes == [200, 200, 200]
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert "shared budget cache is unreachable" in caplog.text
    LOCAL_BUDGETS.clear()
