"""Fixtures shared by the test folders (tests/conftest.py loads this module)."""

import pytest
from rest_framework.test import APIClient

from tests.support.clients import api_client


@pytest.fixture
def api(request) -> APIClient:
    """The API client a test acts as: the storefront's, unless the module's (or the test's)
    ``pytest.mark.api_as(role, name)`` names another (the payment provider, a status reader)."""
    marker = request.node.get_closest_marker("api_as")
    role, name = marker.args if marker else ("storefront", "storefront")
    return api_client(role, name)
