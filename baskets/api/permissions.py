"""Who may call which API operation (SPEC AC-2): the rights table is ``baskets.access``.

Every view names the right each HTTP method needs (``required_rights = {"GET": ApiRight.READ}``);
``ClientRights`` checks it. Anonymous callers get 401; authenticated users without the
right (shoppers, a Payment provider reading, a Status reader writing) get 403.
"""

from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from ..access import ApiRight, api_rights

SHOPPER_REFUSED = "This API is for API clients and staff; shopper logins have no access."


class StaffSessionAuthentication(SessionAuthentication):
    """Session logins reach the API only for staff (the browsable API); a shopper's session
    is refused outright rather than treated as anonymous."""

    def authenticate(self, request):
        answer = super().authenticate(request)
        if answer is not None and not answer[0].is_staff:
            raise PermissionDenied(SHOPPER_REFUSED)
        return answer


class ClientRights(BasePermission):
    """The right ``view.required_rights[method]`` names; OPTIONS needs any right at all."""

    message = "This API client may not do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        granted = api_rights(user)
        if not granted:
            self.message = SHOPPER_REFUSED
            return False
        needed: ApiRight | None = getattr(view, "required_rights", {}).get(request.method)
        if needed is None:
            # HEAD follows GET; any other method the view lacks answers 405 after this.
            needed = view.required_rights.get("GET") if request.method == "HEAD" else None
        return needed is None or needed in granted
