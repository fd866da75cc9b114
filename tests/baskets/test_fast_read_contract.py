"""The token fast reads are a shortcut, not a second API (SPEC API-1, API-3, AC-2, AC-5): for
every answer they give (200, 304, 400, 401, 403, 404, 429) the DRF view they stand for gives
the same status, the same bytes and the same headers, asked the same thing.

Both are called on the same request: ``view.fast_read`` (what ``TokenReadMiddleware`` and
the route call for a token GET) and ``view.drf_view`` (the view every other client gets).
Headers the rest of the middleware chain adds are the subject of ``test_api_read``.
"""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import resolve
from rest_framework.authtoken.models import Token

from tests.support.clients import api_client, staff_user, token_client
from tests.support.factories import UserFactory, basket_with_every_read_field

PATHS = {"full": "/api/baskets/{guid}/", "status": "/api/baskets/{guid}/status/"}

CLIENTS = {
    "storefront": lambda: api_client("storefront", "storefront"),
    "status reader": lambda: api_client("status", "status-reader"),
    "payment provider": lambda: api_client("payments", "payments"),
    "order processor": lambda: token_client(staff_user("Order processor")),
    "system administrator": lambda: token_client(staff_user("System administrator")),
    "superuser": lambda: token_client(UserFactory(is_staff=True, is_superuser=True)),
    "staff without a role": lambda: token_client(UserFactory(is_staff=True)),
    "shopper": lambda: token_client(UserFactory()),
}

BAD_HEADERS = {
    "unknown key": "Token not-a-real-key",
    "no key": "Token",
    "spaces": "Token two keys",
    "padded": "Token  padded-key ",
    "not utf-8": "Token \u00e9t\u00e9",
}


def key_of(client) -> str:
    return client._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def both_answers(url: str, authorization: str, **headers):
    """The fast read's answer and the DRF view's, to two like requests."""
    view = resolve(url)
    answers = []
    for call in (view.func.fast_read, view.func.drf_view):
        request = RequestFactory().get(url, HTTP_AUTHORIZATION=authorization, **headers)
        answer = call(request, **view.kwargs)
        if hasattr(answer, "render"):
            answer.render()
        answers.append(answer)
    return answers


def assert_same_answer(url: str, authorization: str, **headers) -> int:
    fast, drf = both_answers(url, authorization, **headers)
    assert (fast.status_code, fast.content) == (drf.status_code, drf.content)
    # Content-Length is what CommonMiddleware gives the DRF answer further out.
    assert fast["Content-Length"] == str(len(drf.content))
    assert {**fast.headers, "Content-Length": ""} == {**drf.headers, "Content-Length": ""}
    return fast.status_code


@pytest.fixture
def basket():
    return basket_with_every_read_field()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", CLIENTS)
def test_each_client_gets_the_drf_views_answer(who, path, basket, settings):
    """200 with the client's fields, 304 on its ETag, 400 and 404; 403 for those without
    the read right: the same from both, for every kind of client."""
    settings.API_THROTTLE_RATE = ""
    authorization = f"Token {key_of(CLIENTS[who]())}"
    url = PATHS[path].format(guid=basket.guid)

    status = assert_same_answer(url, authorization)
    readers = {"payment provider", "staff without a role", "shopper"}
    assert status == (403 if who in readers else 200)
    if status == 200:
        etag = both_answers(url, authorization)[0]["ETag"]
        assert assert_same_answer(url, authorization, HTTP_IF_NONE_MATCH=etag) == 304
        assert assert_same_answer(url, authorization, HTTP_IF_NONE_MATCH='"other"') == 200
    unknown = PATHS[path].format(guid=uuid.uuid4())
    assert assert_same_answer(unknown, authorization) == (404 if status == 200 else 403)
    malformed = PATHS[path].format(guid="not-a-guid")
    assert assert_same_answer(malformed, authorization) == (400 if status == 200 else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("header", BAD_HEADERS)
def test_bad_tokens_get_the_drf_views_401(header, path, basket):
    authorization = BAD_HEADERS[header]
    assert assert_same_answer(PATHS[path].format(guid=basket.guid), authorization) == 401


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_an_inactive_clients_token_gets_the_drf_views_401(path, basket):
    client = CLIENTS["storefront"]()
    Token.objects.filter(key=key_of(client)).update(user=UserFactory(is_active=False))
    authorization = f"Token {key_of(client)}"
    assert assert_same_answer(PATHS[path].format(guid=basket.guid), authorization) == 401


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_spent_budget_gets_the_drf_views_429(path, basket, settings, fresh_budgets):
    """Both count against one budget, with DRF's own throttle; past it both give the same
    429, its wait in the body and in Retry-After (the clock held still between the two)."""
    settings.API_THROTTLE_RATE = "3/hour"
    authorization = f"Token {key_of(CLIENTS['status reader']())}"
    url = PATHS[path].format(guid=basket.guid)
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), tick=False) as clock:
        fast, drf = both_answers(url, authorization)
        assert (fast.status_code, drf.status_code) == (200, 200)
        clock.shift(600)
        request = RequestFactory().get(url, HTTP_AUTHORIZATION=authorization)
        assert resolve(url).func.fast_read(request, guid=str(basket.guid)).status_code == 200
        clock.shift(60)
        assert assert_same_answer(url, authorization) == 429
        fast, _drf = both_answers(url, authorization)
        assert fast["Retry-After"] == str(3600 - 660)
