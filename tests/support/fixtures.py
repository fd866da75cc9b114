"""Fixtures shared by the test folders (tests/conftest.py loads this module)."""

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from rest_framework.test import APIClient

from tests.support.clients import api_client


@pytest.fixture
def api(request) -> APIClient:
    """The API client a test acts as: the storefront's, unless the module's (or the test's)
    ``pytest.mark.api_as(role, name)`` names another (the payment provider, a status reader)."""
    marker = request.node.get_closest_marker("api_as")
    role, name = marker.args if marker else ("storefront", "storefront")
    return api_client(role, name)


def budgets_clear() -> None:
    """Forget every API client's request budget, and nothing else (the budgets may share
    their Redis database with the broker)."""
    if not settings.THROTTLE_CACHE_URL:
        caches["throttle"].clear()
        return
    server = redis.Redis.from_url(settings.THROTTLE_CACHE_URL)
    keys = list(server.scan_iter(match="basketops-throttle:*"))
    if keys:
        server.delete(*keys)


@pytest.fixture
def fresh_budgets():
    """Every API client's request budget unspent, before the test and after it."""
    budgets_clear()
    yield
    budgets_clear()
