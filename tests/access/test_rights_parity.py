"""The API rights rule has two forms (SPEC AC-2): ``access.api_rights`` on a user object, and
``access.TOKEN_CLIENT_SQL`` (and, for staff, ``TOKEN_PERMISSIONS_SQL``) with
``client_row_rights`` for the token reads. They must give every kind of user the same
rights."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from rest_framework.authtoken.models import Token

from baskets.access import (
    PERSONAL_DATA_PERMISSION,
    RIGHTS_PERMISSIONS,
    TOKEN_CLIENT_SQL,
    TOKEN_PERMISSIONS_SQL,
    api_rights,
    client_row_permissions_needed,
    client_row_rights,
)
from baskets.roles import ADMINISTRATOR, CLIENT_GROUPS, ORDER_PROCESSOR, roles_ensure
from tests.support.clients import staff_user
from tests.support.factories import UserFactory


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sql_rights(user):
    key = Token.objects.create(user=user).key
    with connection.cursor() as cursor:
        cursor.execute(TOKEN_CLIENT_SQL, {"key": key})
        names = [column.name for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
        permissions = ()
        if client_row_permissions_needed(row):
            cursor.execute(TOKEN_PERMISSIONS_SQL, {"user_id": row["user_id"]})
            permissions = cursor.fetchone()[0]
    return client_row_rights(row, permissions)


def own_permissions(*names, staff: bool = True):
    def make():
        user = UserFactory(is_staff=staff)
        user.user_permissions.add(*(permission(name) for name in names))
        return user

    return make


def role_with(*names):
    def make():
        role = Group.objects.create(name="Custom role")
        role.permissions.add(*(permission(name) for name in names))
        user = UserFactory(is_staff=True)
        user.groups.add(role)
        return user

    return make


def in_groups(*groups, staff_role: str = ""):
    def make():
        roles_ensure(Group, Permission)
        user = staff_user(staff_role) if staff_role else UserFactory()
        user.groups.add(*Group.objects.filter(name__in=groups))
        return user

    return make


USERS = {
    "shopper": lambda: UserFactory(),
    "staff without a role": lambda: UserFactory(is_staff=True),
    "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    "superuser not staff": lambda: UserFactory(is_superuser=True),
    "inactive superuser": lambda: UserFactory(is_staff=True, is_superuser=True, is_active=False),
    "order processor": lambda: staff_user(ORDER_PROCESSOR),
    "system administrator": lambda: staff_user(ADMINISTRATOR),
    "own view permission": own_permissions(RIGHTS_PERMISSIONS[0]),
    "own permissions": own_permissions(*RIGHTS_PERMISSIONS),
    "own permissions, not staff": own_permissions(*RIGHTS_PERMISSIONS, staff=False),
    "personal data permission only": own_permissions(PERSONAL_DATA_PERMISSION),
    "custom role": role_with(*RIGHTS_PERMISSIONS),
    **{f"client {name}": in_groups(name) for name in CLIENT_GROUPS},
    "two client groups": in_groups(*CLIENT_GROUPS[:2]),
    "client and order processor": in_groups(CLIENT_GROUPS[-1], staff_role=ORDER_PROCESSOR),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", USERS)
def test_the_sql_form_gives_each_user_the_rights_api_rights_gives(kind):
    user = USERS[kind]()
    fresh = type(user).objects.get(pk=user.pk)  # no permissions cached on the object
    assert sql_rights(fresh) == api_rights(fresh)
