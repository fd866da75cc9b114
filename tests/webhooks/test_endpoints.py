"""Registering endpoints: the command, the admin, who may (IN-1)."""

import re

import pytest
from django.contrib.auth.models import Group

from baskets.roles import ADMINISTRATOR, ORDER_PROCESSOR
from tests.support.factories import UserFactory
from tests.support.processes import child_env, run_manage
from webhooks.models import WebhookEndpoint


@pytest.mark.django_db(transaction=True)
def test_the_command_registers_an_endpoint_and_prints_its_secret_once():
    """SPEC: IN-1 — manage.py webhook_endpoint_create URL --events ..."""
    result = run_manage(
        "webhook_endpoint_create",
        "https://hooks.example.com/basketops",
        "--events",
        "order.created,basket.status_changed",
    )

    assert result.returncode == 0, result.stderr
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://hooks.example.com/basketops"
    assert endpoint.event_types == ["basket.status_changed", "order.created"]
    (secret,) = re.findall(r"secret: (whsec_\S+)", result.stdout)
    assert secret == endpoint.secret


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "events", "debug"),
    [
        ("http://hooks.example.com/", "order.created", "false"),
        ("https://hooks.example.com/", "order.shipped", "false"),
        ("https://user:pw@hooks.example.com/", "order.created", "false"),
        ("ftp://hooks.example.com/", "order.created", "true"),
    ],
    ids=["plain-http", "unknown-event", "credentials", "ftp"],
)
def test_the_command_refuses_bad_input_and_makes_nothing(url, events, debug):
    """SPEC: IN-1 — https only unless DEBUG; known event types only."""
    result = run_manage(
        "webhook_endpoint_create", url, "--events", events, env=child_env(DEBUG=debug)
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert WebhookEndpoint.objects.count() == 0


def staff(username: str, group: str | None):
    user = UserFactory(username=username, is_staff=True, is_superuser=group is None)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("group", "expected"),
    [(ADMINISTRATOR, 200), (ORDER_PROCESSOR, 403), (None, 200)],
    ids=["system-administrator", "order-processor", "superuser"],
)
@pytest.mark.parametrize(
    "page",
    [
        "/admin/webhooks/webhookendpoint/",
        "/admin/webhooks/webhookendpoint/add/",
        "/admin/webhooks/webhookdelivery/",
    ],
)
def test_only_system_administrators_reach_the_webhook_admin(client, group, expected, page):
    """SPEC: IN-1 AC-1 — endpoints hold secrets: System administrators only."""
    client.force_login(staff("someone", group))
    assert client.get(page).status_code == expected


@pytest.mark.django_db
def test_adding_an_endpoint_in_the_admin_shows_the_secret_once(client):
    """SPEC: IN-1 — made in the admin; the secret in a message, then only a hint."""
    client.force_login(staff("admin1", ADMINISTRATOR))

    response = client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {"url": "https://hooks.example.com/x", "event_types": ["order.created"], "active": "on"},
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.active is True
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    page = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page
    assert "No attempt yet." in page
