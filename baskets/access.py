"""Who may see what (SPEC AC-1): one rule for every page, column, export and API field that
shows a shop account's personal data (names, e-mail addresses, addresses)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

PERSONAL_DATA_PERMISSION = "baskets.view_shopaccount"


def personal_data_visible(user: AbstractBaseUser | AnonymousUser) -> bool:
    """System administrators see shop-account personal data; Order processors never do."""
    return user.is_active and user.has_perm(PERSONAL_DATA_PERMISSION)
