"""Who may see and do what (SPEC AC-1, AC-2): the one rule for every page, column, export and
API field that shows a shop account's personal data, and the one table of API rights.

API clients are users in one of the client groups of ``baskets.roles``; staff get the API
rights their role's model permissions give; anyone else (a shopper) gets none.
"""

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
