"""Who may see and do what (SPEC AC-1, AC-2): the one rule for every page, column, export and
API field that shows a shop account's personal data, and the one table of API rights.

API clients are users in one of the client groups of ``baskets.roles``; staff get the API
rights their role's model permissions give; anyone else (a shopper) gets none.
"""

import re
from collections.abc import Callable, Iterable
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from . import roles

PERSONAL_DATA_PERMISSION = "baskets.view_shopaccount"
BASKET_VIEW_PERMISSION = "baskets.view_basket"


def personal_data_visible(user: AbstractBaseUser | AnonymousUser) -> bool:
    """System administrators and the Storefront see shop-account personal data; Order
    processors, Status readers, Payment providers and shoppers never do."""
    if not user.is_active:
        return False
    return user.has_perm(PERSONAL_DATA_PERMISSION) or ApiRight.PERSONAL_DATA in _client_rights(user)


class ApiRight(StrEnum):
    READ = "read"  # status, one basket, the list
    WRITE = "write"  # create and edit baskets, move stages, payment return, resume
    PAYMENT_RESULT = "payment_result"  # paid / pending / failed / cancelled
    CODES = "codes"  # gift-card and coupon codes, recovery links in answers
    PERSONAL_DATA = "personal_data"  # shop-account names, e-mails; filters on them


# AC-2: what each client group may do.
CLIENT_RIGHTS: dict[str, frozenset[ApiRight]] = {
    # The shop itself: it sent the names and addresses in the first place.
    roles.STOREFRONT: frozenset(
        {ApiRight.READ, ApiRight.WRITE, ApiRight.CODES, ApiRight.PERSONAL_DATA}
    ),
    roles.PAYMENT_PROVIDER: frozenset({ApiRight.PAYMENT_RESULT}),
    roles.STATUS_READER: frozenset({ApiRight.READ}),
}
# Staff read through the API what their role lets them view in the admin; they change
# baskets in the admin, where every action is a named staff action on the timeline.
STAFF_RIGHTS = frozenset({ApiRight.READ, ApiRight.CODES})


def _client_rights(user: AbstractBaseUser | AnonymousUser) -> frozenset[ApiRight]:
    if not user.is_authenticated:
        return frozenset()
    # Asked several times per request (permission, fields, filters): one query per user.
    cached = getattr(user, "_api_client_rights", None)
    if cached is None:
        names = user.groups.filter(name__in=roles.CLIENT_GROUPS).values_list("name", flat=True)
        cached = client_rights(names)
        user._api_client_rights = cached
    return cached


def client_rights(group_names: Iterable[str]) -> frozenset[ApiRight]:
    """The rights the client groups among ``group_names`` give."""
    return frozenset(
        right for name in group_names if name in CLIENT_RIGHTS for right in CLIENT_RIGHTS[name]
    )


def rights_combine(
    *,
    is_active: bool,
    is_staff: bool,
    granted: frozenset[ApiRight],
    has_perm: Callable[[str], bool],
) -> frozenset[ApiRight]:
    """The API rights rule, on what is known of a user: its client groups' rights
    (``granted``), and for staff what their model permissions (``has_perm``) give.
    ``api_rights`` asks it of a user object, the one-query fast reads of a database row."""
    if not is_active:
        return frozenset()
    rights = set(granted)
    if is_staff and has_perm(BASKET_VIEW_PERMISSION):
        rights |= STAFF_RIGHTS
        if has_perm(PERSONAL_DATA_PERMISSION):
            rights.add(ApiRight.PERSONAL_DATA)
    return frozenset(rights)


def api_rights(user: AbstractBaseUser | AnonymousUser) -> frozenset[ApiRight]:
    """The API rights of ``user``: a client group's, a staff role's, or none (shoppers)."""
    if not user.is_authenticated:
        return frozenset()
    return rights_combine(
        is_active=user.is_active,
        is_staff=user.is_staff,
        granted=_client_rights(user) if user.is_active else frozenset(),
        has_perm=user.has_perm,
    )


# Model permissions the API rights rule asks about (the fast reads fetch just these).
RIGHTS_PERMISSIONS = (BASKET_VIEW_PERMISSION, PERSONAL_DATA_PERMISSION)


PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _permission_pairs() -> str:
    """The rights rule's permissions as SQL ``(app_label, codename)`` literals. Constants of
    the code, checked to be plain names; literals (not parameters) let the planner go from
    the two unique indexes straight to the few rows, as it cannot with an array parameter."""
    pairs = []
    for name in RIGHTS_PERMISSIONS:
        app_label, codename = name.split(".")
        if not (PLAIN_NAME.match(app_label) and PLAIN_NAME.match(codename)):
            raise ValueError(f"not a plain permission name: {name!r}")
        pairs.append(f"('{app_label}', '{codename}')")
    return ", ".join(pairs)


GROUP_NAME = re.compile(r"^[A-Za-z][A-Za-z ]*$")


def _client_group_names() -> str:
    """The client groups' names as SQL literals: constants of the code, checked to be plain
    words. Literals, not an array parameter: the planner goes to the groups by their unique
    name, and no array is encoded and sent with every token read."""
    for name in roles.CLIENT_GROUPS:
        if not GROUP_NAME.match(name):
            raise ValueError(f"not a plain group name: {name!r}")
    return ", ".join(f"'{name}'" for name in roles.CLIENT_GROUPS)


# The rule's SQL form, for the one-query token reads (``baskets.api.fast_reads``): the token's
# user and its client groups (``TOKEN_CLIENT_SQL``, part of the read's one statement) and,
# for a staff user only, those of the rule's permissions it holds, its own or its roles', as
# Django's ModelBackend finds them (``TOKEN_PERMISSIONS_SQL``, a second statement; only a
# staff user's permissions count in ``rights_combine``, and a superuser holds them all).
# ``client_row_rights`` turns them into rights; ``tests/access/test_rights_parity.py`` holds
# the two statements to ``api_rights`` for every kind of user. A Storefront or payment
# provider polling a basket thus never has the permission tables in its statement (their
# locks and plan were about a third of the statement's time). The permissions are found by
# their unique (content type, codename) and each checked against the user's own and roles'
# grants by index.
TOKEN_CLIENT_SQL = f"""
SELECT account.id AS user_id, account.is_active, account.is_staff, account.is_superuser,
    ARRAY(
        SELECT client.name FROM auth_user_groups AS member
        JOIN auth_group AS client ON client.id = member.group_id
        WHERE member.user_id = account.id AND client.name IN ({_client_group_names()})
    ) AS client_groups
FROM authtoken_token AS token
JOIN auth_user AS account ON account.id = token.user_id
WHERE token.key = %(key)s
"""  # noqa: S608 (the group literals are the code's own, checked above)

TOKEN_PERMISSIONS_SQL = f"""
SELECT ARRAY(
    SELECT type.app_label || '.' || permission.codename
    FROM auth_permission AS permission
    JOIN django_content_type AS type ON type.id = permission.content_type_id
    WHERE (type.app_label, permission.codename) IN ({_permission_pairs()})
      AND (
        EXISTS (
            SELECT FROM auth_user_user_permissions AS own
            WHERE own.user_id = %(user_id)s AND own.permission_id = permission.id
        )
        OR EXISTS (
            SELECT FROM auth_group_permissions AS role
            WHERE role.permission_id = permission.id AND role.group_id IN (
                SELECT member.group_id FROM auth_user_groups AS member
                WHERE member.user_id = %(user_id)s
            )
        )
      )
) AS permissions
"""  # noqa: S608 (the permission literals are the code's own, checked above)


def client_row_permissions_needed(row: dict) -> bool:
    """Whether the rights of the user in a ``TOKEN_CLIENT_SQL`` row depend on its model
    permissions (``TOKEN_PERMISSIONS_SQL``): only an active staff user's count, and a
    superuser holds every one."""
    return row["is_staff"] and row["is_active"] and not row["is_superuser"]


def client_row_rights(row: dict, permissions: Iterable[str] = ()) -> frozenset[ApiRight]:
    """``api_rights`` of the user in a ``TOKEN_CLIENT_SQL`` row (an active one), with the
    ``permissions`` of ``TOKEN_PERMISSIONS_SQL`` when ``client_row_permissions_needed``."""
    held = set(permissions)
    return rights_combine(
        is_active=row["is_active"],
        is_staff=row["is_staff"],
        granted=client_rights(row["client_groups"]),
        has_perm=lambda name: row["is_superuser"] or name in held,
    )
