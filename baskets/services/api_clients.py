"""API clients (SPEC AC-2): a user with no password, in one client group, holding a token."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from .. import roles
from .storefront_errors import StorefrontInputError

# The command's --role names and the groups they stand for.
CLIENT_ROLES = {
    "storefront": roles.STOREFRONT,
    "payments": roles.PAYMENT_PROVIDER,
    "status": roles.STATUS_READER,
}


@transaction.atomic
def api_client_create(*, name: str, role: str) -> str:
    """Create the client user in the role's group with a token and return the token's key;
    refuses a name already taken (nothing changes). Locks nothing."""
    if role not in CLIENT_ROLES:
        raise StorefrontInputError(
            f"role must be one of {', '.join(CLIENT_ROLES)}.", code="invalid_role"
        )
    user_model = get_user_model()
    if not name or user_model.objects.filter(username=name).exists():
        raise StorefrontInputError(f"A user named “{name}” already exists.", code="name_taken")
    group = Group.objects.get(name=CLIENT_ROLES[role])
    user = user_model(username=name, is_staff=False)
    # Clients authenticate with their token only: no password, no admin or shop login.
    user.set_unusable_password()
    user.save()
    user.groups.add(group)
    return Token.objects.create(user=user).key
