"""A schema-driven fuzz run over every API operation (SPEC API-3, section 7): schemathesis
generates requests from `/api/schema/` and sends them to the WSGI application; no answer
may be a server error, a status the schema does not document, or a body or content type
that does not match it.

Storefront operations run with a Storefront token, payment results with a Payment provider
token; the basket GUID in the path is a real basket, so the generated bodies reach the
services. Throttling is off here (429 has its own test)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from basketops.wsgi import application
from baskets.services.api_clients import api_client_create
from tests.support.factories import BasketFactory, LineFactory, ProductFactory

# 20 operations x 50 examples = up to 1,000 requests, about a minute and a half on one core.
EXAMPLES_PER_OPERATION = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("storefront", "payments")


schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def within_the_tests_transaction(db, settings):
    """As Django's test client does: the test's transaction outlives each request."""
    settings.API_THROTTLE_RATE = ""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    return {role: f"Token {api_client_create(name=role, role=role)}" for role in ROLES}


@pytest.fixture
def basket(db):
    ProductFactory(id="PRD-1")
    basket = BasketFactory()
    LineFactory(basket=basket, product_id="PRD-1")
    return basket


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_only_what_the_schema_documents(case, tokens, basket):
    """SPEC: API-3 section 7 AC-2"""
    if "guid" in (case.path_parameters or {}):
        case.path_parameters["guid"] = str(basket.guid)
    role = "payments" if case.path.endswith("/payment/") else "storefront"
    case.call_and_validate(headers={"Authorization": tokens[role]}, checks=CHECKS)
