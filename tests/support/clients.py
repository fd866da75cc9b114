"""API clients and staff logins as the product makes them (SPEC AC-1, AC-2)."""

from django.contrib.auth.models import Group, Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from baskets.roles import roles_ensure
from baskets.services.api_clients import api_client_create
from tests.support.factories import UserFactory


def api_client(role: str, name: str = "") -> APIClient:
    """An APIClient holding the token of a new client with ``role``: storefront, payments or
    status (``manage.py api_client_create``); the same client again for a name already made."""
    name = name or f"{role}-client"
    roles_ensure(Group, Permission)  # a transactional test's flush removes the groups
    token = Token.objects.filter(user__username=name).first()
    key = token.key if token else api_client_create(name=name, role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def staff_user(role: str, username: str = ""):
    """A staff login in the named role group (System administrator, Order processor)."""
    # A transactional test's flush removes the groups the migrations made: make them again.
    roles_ensure(Group, Permission)
    user = UserFactory(username=username or role.lower().replace(" ", "-"), is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
