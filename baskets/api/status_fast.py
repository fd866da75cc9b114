"""The status poll's fast path: token check, the client's right to read, and basket lookup
in one query.

Pollers call ``GET /api/baskets/<guid>/status/`` far more often than anything else. With
``Authorization: Token <key>`` the answer comes from one round trip to the database (the
token, its user, its client group or staff permission, and the basket) instead of several,
and without DRF's request machinery; the body, headers, errors and their order (401, 403,
429, 400, 404) are the same as ``BasketStatusView`` gives, which still serves every other
kind of client (session login, browsable API). The right comes from ``baskets.access``
(AC-2) and the request budget from ``ClientRateThrottle`` (AC-5), as in the DRF view.
"""

import json
import math

from django.db import connection
from django.http import HttpResponse
from rest_framework.exceptions import Throttled
from rest_framework.utils.encoders import JSONEncoder

from .. import roles
from ..access import BASKET_VIEW_PERMISSION, api_status_groups
from ..exceptions import InvalidGuid
from ..selectors import guid_parse
from .permissions import SHOPPER_REFUSED, ClientRights
from .serializers import BasketStatusSerializer, basket_etag
from .throttles import ClientRateThrottle

_PERMISSION_APP, _PERMISSION_CODENAME = BASKET_VIEW_PERMISSION.split(".")

# The same rule as ``baskets.access.api_rights``: a client group that reads, or staff whose
# role (or superuser flag) gives the view permission on baskets.
STATUS_SQL = """
SELECT
    account.id,
    account.is_active,
    EXISTS (
        SELECT 1 FROM auth_user_groups AS member
        JOIN auth_group AS client ON client.id = member.group_id
        WHERE member.user_id = account.id AND client.name = ANY(%(reading_groups)s)
    ) OR (account.is_staff AND (account.is_superuser OR EXISTS (
        SELECT 1 FROM auth_permission AS permission
        JOIN django_content_type AS type ON type.id = permission.content_type_id
        WHERE type.app_label = %(app)s AND permission.codename = %(codename)s AND (
            permission.id IN (
                SELECT own.permission_id FROM auth_user_user_permissions AS own
                WHERE own.user_id = account.id
            )
            OR permission.id IN (
                SELECT role.permission_id FROM auth_group_permissions AS role
                JOIN auth_user_groups AS member ON member.group_id = role.group_id
                WHERE member.user_id = account.id
            )
        )
    ))) AS may_read,
    EXISTS (
        SELECT 1 FROM auth_user_groups AS member
        JOIN auth_group AS client ON client.id = member.group_id
        WHERE member.user_id = account.id AND client.name = ANY(%(client_groups)s)
    ) AS is_client,
    basket.guid, basket.status, basket.stage, basket.modified_at
FROM authtoken_token AS token
JOIN auth_user AS account ON account.id = token.user_id
LEFT JOIN baskets_basket AS basket ON basket.guid = %(guid)s
WHERE token.key = %(key)s
"""


def _json(body: dict, status: int, etag: str = "", retry_after: int | None = None) -> HttpResponse:
    # Serialised as DRF's JSONRenderer does, byte for byte.
    content = json.dumps(
        body, cls=JSONEncoder, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    response = HttpResponse(content.encode(), status=status, content_type="application/json")
    if etag:
        response["ETag"] = etag
    if status == 401:
        response["WWW-Authenticate"] = "Token"
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _throttled_detail(wait: float | None) -> str:
    # DRF's Throttled message, word for word.
    return str(Throttled(wait).detail)


def token_key(request) -> str | None:
    """The key of an ``Authorization: Token <key>`` header, or None for other clients."""
    header = request.headers.get("Authorization", "")
    keyword, _, key = header.partition(" ")
    if keyword != "Token":
        return None
    return key.strip()


def basket_status_fast(request, guid: str) -> HttpResponse:
    """Answer a token-authenticated status poll; see the module docstring."""
    key = token_key(request) or ""
    if not key or " " in key:
        return _json({"detail": "Invalid token header.", "code": "authentication_failed"}, 401)
    try:
        parsed, bad_guid = guid_parse(guid), None
    except InvalidGuid as error:
        parsed, bad_guid = None, error
    with connection.cursor() as cursor:
        cursor.execute(
            STATUS_SQL,
            {
                "guid": parsed,
                "key": key,
                "reading_groups": api_status_groups(),
                "client_groups": list(roles.CLIENT_GROUPS),
                "app": _PERMISSION_APP,
                "codename": _PERMISSION_CODENAME,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return _json({"detail": "Invalid token.", "code": "authentication_failed"}, 401)
    user_id, is_active, may_read, is_client, found, status, stage, modified_at = row
    if not is_active:
        return _json({"detail": "User inactive or deleted.", "code": "authentication_failed"}, 401)
    if not may_read:
        detail = ClientRights.message if is_client else SHOPPER_REFUSED
        return _json({"detail": detail, "code": "permission_denied"}, 403)
    throttle = ClientRateThrottle()
    if not throttle.allow_client(user_id):
        wait = throttle.wait()
        return _json(
            {"detail": _throttled_detail(wait), "code": "throttled"},
            429,
            retry_after=None if wait is None else math.ceil(wait),
        )
    if bad_guid is not None:
        return _json({"detail": bad_guid.message, "code": bad_guid.code}, 400)
    if found is None:
        return _json({"detail": f"No basket with GUID {parsed}.", "code": "not_found"}, 404)
    etag = basket_etag(guid=parsed, status_value=status, modified_at=modified_at)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    body = BasketStatusSerializer(
        {"guid": parsed, "status": status, "stage": stage, "modified_at": modified_at}
    ).data
    return _json(body, 200, etag)


def with_fast_path(drf_view):
    """``drf_view`` (``BasketStatusView.as_view()``) with token polls answered here first.

    The DRF view keeps serving every other client and stays what the schema documents."""

    def view(request, guid: str):
        if request.method == "GET" and token_key(request) is not None:
            return basket_status_fast(request, guid)
        return drf_view(request, guid=guid)

    view.cls = drf_view.cls
    view.initkwargs = drf_view.initkwargs
    view.csrf_exempt = True
    return view
