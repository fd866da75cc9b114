"""The API's two hot reads in one round trip: a basket's status, and the basket with its lines.

Pollers and storefronts call ``GET /api/baskets/<guid>/status/`` and ``GET /api/baskets/<guid>/``
far more often than anything else. With ``Authorization: Token <key>`` the answer comes from
one query (the token, its user, the client groups and staff permissions that decide its
rights, the basket and, for the full read, its lines as one JSON array), run as a prepared
statement, and without DRF's request machinery. The body, headers, errors and their order
(401, 403, 429, 400, 404) are the ones the DRF views give (``read.BasketStatusView``,
``read.BasketDetailView``), which still serve every other kind of client (session login,
browsable API) and document both in the schema. Rights come from ``baskets.access`` (AC-2),
the request budget from ``ClientRateThrottle`` (AC-5), the ETag from ``basket_etag``.

The body is written by the serializers' own field objects, made once per process rather
than once per request (``basket_representation``), so the format of every value is DRF's.

``TokenReadMiddleware`` answers these reads early in the middleware chain: after the request
id and metrics, the security headers and the card-number refusal (AC-4), before the
session, CSRF, login, message and lockout middleware, none of which a token read uses, and
without a second URL dispatch. The route decides (``resolve``), not a copy of its pattern.
"""

import functools
import json
import math
import re
from collections.abc import Callable

import psycopg
from django.db import connection
from django.db.models import JSONField
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.urls import Resolver404, resolve
from rest_framework.exceptions import Throttled
from rest_framework.utils.encoders import JSONEncoder

from basketops.log_context import basket_guid_note

from .. import roles
from ..access import RIGHTS_PERMISSIONS, ApiRight, client_rights, rights_combine
from ..exceptions import InvalidGuid
from ..links import basket_url
from ..models import Basket, Line
from ..selectors import guid_parse
from .permissions import SHOPPER_REFUSED, ClientRights
from .serializers import (
    FIELDS_BY_RIGHT,
    BasketSerializer,
    BasketStatusSerializer,
    CurrencyAmountField,
    LineSerializer,
    basket_etag,
)
from .throttles import ClientRateThrottle

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


# The token's user, its client groups and those of the rights rule's permissions it holds
# (its own or its roles'); ``access.rights_combine`` turns them into rights. The permissions
# are found by their unique (content type, codename) and each checked against the user's own
# and roles' grants by index: about a third of the statement's time when it compared the
# name of every permission row instead.
CLIENT_SQL = f"""
SELECT account.id AS user_id, account.is_active, account.is_staff, account.is_superuser,
    ARRAY(
        SELECT client.name FROM auth_user_groups AS member
        JOIN auth_group AS client ON client.id = member.group_id
        WHERE member.user_id = account.id AND client.name = ANY(%(client_groups)s)
    ) AS client_groups,
    ARRAY(
        SELECT type.app_label || '.' || permission.codename
        FROM auth_permission AS permission
        JOIN django_content_type AS type ON type.id = permission.content_type_id
        WHERE (type.app_label, permission.codename) IN ({_permission_pairs()})
          AND (
            EXISTS (
                SELECT FROM auth_user_user_permissions AS own
                WHERE own.user_id = account.id AND own.permission_id = permission.id
            )
            OR EXISTS (
                SELECT FROM auth_group_permissions AS role
                WHERE role.permission_id = permission.id AND role.group_id IN (
                    SELECT member.group_id FROM auth_user_groups AS member
                    WHERE member.user_id = account.id
                )
            )
          )
    ) AS permissions
FROM authtoken_token AS token
JOIN auth_user AS account ON account.id = token.user_id
WHERE token.key = %(key)s
"""  # noqa: S608 (the permission literals are the code's own, checked above)

STATUS_COLUMNS = ("guid", "status", "stage", "modified_at")


@functools.cache
def _basket_fields() -> dict:
    """The full read's field objects, made once: every field, restricted ones included."""
    return dict(BasketSerializer().fields)


@functools.cache
def _line_fields() -> dict:
    return dict(LineSerializer().fields)


@functools.cache
def _status_fields() -> dict:
    return dict(BasketStatusSerializer().fields)


def _column(model, source: str, alias: str) -> str:
    # JSON columns as ``json`` so they arrive parsed (Django reads ``jsonb`` as text).
    cast = "::json" if isinstance(model._meta.get_field(source), JSONField) else ""
    return f"{alias}.{source}{cast} AS {source}"


@functools.cache
def _basket_columns() -> tuple[str, ...]:
    sources = dict.fromkeys(STATUS_COLUMNS)
    for name, field in _basket_fields().items():
        if name not in ("lines", "recovery_url"):
            sources[field.source] = None
    return tuple(sources)


@functools.cache
def _lines_sql() -> str:
    pairs = ", ".join(
        f"'{field.source}', line.{field.source}"
        + ("::text" if field.source == "unit_price" else "")
        for field in _line_fields().values()
    )
    # Names from model and serializer metadata only.
    table = Line._meta.db_table
    return (
        f"(SELECT json_agg(json_build_object({pairs}) ORDER BY line.id) "  # noqa: S608
        f"FROM {table} AS line WHERE line.basket_id = basket.id) AS lines"
    )


@functools.cache
def read_sql(*, full: bool, token: bool) -> str:
    """One statement for a basket read: its status columns, or every column the full read
    shows and its lines; with ``token``, the client's row first (basket columns NULL when
    no basket has the GUID, no row at all when the key is unknown)."""
    columns = [_column(Basket, source, "basket") for source in _basket_columns()]
    if not full:
        columns = [_column(Basket, source, "basket") for source in STATUS_COLUMNS]
    else:
        columns.append(_lines_sql())
    basket_table = Basket._meta.db_table
    if not token:
        return (
            f"SELECT {', '.join(columns)} FROM {basket_table} AS basket "  # noqa: S608
            "WHERE basket.guid = %(guid)s"
        )
    return (
        f"SELECT client.*, {', '.join(columns)} FROM ({CLIENT_SQL}) AS client "  # noqa: S608
        f"LEFT JOIN {basket_table} AS basket ON basket.guid = %(guid)s"
    )


def _fetch_one(sql: str, params: dict) -> dict | None:
    """One row as a dict, through a prepared statement: planning this query costs more than
    running it, and a worker asks it again and again on its persistent connection."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection, row_factory=psycopg.rows.dict_row) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def basket_read_row(guid) -> dict | None:
    """The full read's row of the basket with ``guid`` (its lines as a list), or None."""
    return _fetch_one(read_sql(full=True, token=False), {"guid": guid})


def _represent(fields: dict, row: dict, currency: str = "") -> dict:
    # What ``Serializer.to_representation`` does for plain fields: None stays None.
    return {name: _value(field, row[field.source], currency) for name, field in fields.items()}


def _value(field, value, currency: str):
    if value is None:
        return None
    if isinstance(field, CurrencyAmountField):
        return field.represent(value, currency)  # SH-2: the basket currency's digits
    return field.to_representation(value)


def basket_representation(row: dict, rights: frozenset[ApiRight]) -> dict:
    """``BasketSerializer(basket).data`` for a client with ``rights``, from a read row."""
    withheld = {
        name for right, names in FIELDS_BY_RIGHT.items() if right not in rights for name in names
    }
    line_fields = _line_fields()
    body = {}
    for name, field in _basket_fields().items():
        if name in withheld:
            continue
        if name == "lines":
            body[name] = [
                _represent(line_fields, line, row["currency"]) for line in row["lines"] or ()
            ]
        elif name == "recovery_url":
            body[name] = basket_url(row["guid"])
        else:
            body[name] = _value(field, row[field.source], row["currency"])
    return body


def json_response(
    body: dict, status: int, etag: str = "", retry_after: int | None = None
) -> HttpResponse:
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
    # What CommonMiddleware adds to every other answer (``TokenReadMiddleware`` runs first).
    response["Content-Length"] = str(len(response.content))
    return response


def token_key(request) -> str | None:
    """The key of an ``Authorization: Token <key>`` header, or None for other clients."""
    header = request.headers.get("Authorization", "")
    keyword, _, key = header.partition(" ")
    if keyword != "Token":
        return None
    return key.strip()


def _client_refusal(row: dict | None) -> tuple[HttpResponse | None, frozenset[ApiRight]]:
    """401/403/429 for the client of ``row`` (DRF's order and words), or its rights."""
    if row is None:
        refusal = {"detail": "Invalid token.", "code": "authentication_failed"}
        return json_response(refusal, 401), frozenset()
    if not row["is_active"]:
        refusal = {"detail": "User inactive or deleted.", "code": "authentication_failed"}
        return json_response(refusal, 401), frozenset()
    held = set(row["permissions"])
    rights = rights_combine(
        is_active=True,
        is_staff=row["is_staff"],
        granted=client_rights(row["client_groups"]),
        has_perm=lambda name: row["is_superuser"] or name in held,
    )
    if ApiRight.READ not in rights:
        detail = ClientRights.message if row["client_groups"] else SHOPPER_REFUSED
        return json_response({"detail": detail, "code": "permission_denied"}, 403), rights
    throttle = ClientRateThrottle()
    if not throttle.allow_client(row["user_id"]):
        wait = throttle.wait()
        return json_response(
            {"detail": str(Throttled(wait).detail), "code": "throttled"},
            429,
            retry_after=None if wait is None else math.ceil(wait),
        ), rights
    return None, rights


def _fast_read(request, guid: str, *, full: bool) -> HttpResponse:
    key = token_key(request) or ""
    if not key or " " in key:
        return json_response(
            {"detail": "Invalid token header.", "code": "authentication_failed"}, 401
        )
    try:
        parsed, bad_guid = guid_parse(guid), None
    except InvalidGuid as error:
        parsed, bad_guid = None, error
    row = _fetch_one(
        read_sql(full=full, token=True),
        {
            "guid": parsed,
            "key": key,
            "client_groups": list(roles.CLIENT_GROUPS),
        },
    )
    refusal, rights = _client_refusal(row)
    if refusal is not None:
        return refusal
    if bad_guid is not None:
        return json_response({"detail": bad_guid.message, "code": bad_guid.code}, 400)
    if row["guid"] is None:
        return json_response({"detail": f"No basket with GUID {parsed}.", "code": "not_found"}, 404)
    etag = basket_etag(guid=parsed, status_value=row["status"], modified_at=row["modified_at"])
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Content-Length"] = "0"
        return response
    if full:
        body = basket_representation(row, rights)
    else:
        body = _represent(_status_fields(), row)
    return json_response(body, 200, etag)


def with_fast_path(drf_view, *, full: bool) -> Callable:
    """``drf_view`` (a ``read`` view's ``as_view()``) with token GETs answered here first.

    The DRF view keeps serving every other client and stays what the schema documents.
    ``TokenReadMiddleware`` finds the token read through ``view.fast_read``."""

    def fast_read(request, guid: str) -> HttpResponse:
        return _fast_read(request, guid, full=full)

    def view(request, guid: str):
        if request.method == "GET" and token_key(request) is not None:
            return fast_read(request, guid)
        return drf_view(request, guid=guid)

    view.cls = drf_view.cls
    view.initkwargs = drf_view.initkwargs
    view.csrf_exempt = True
    view.fast_read = fast_read
    return view


class TokenReadMiddleware:
    """Token GETs of a route made by ``with_fast_path`` answered without the rest of the chain.

    Placed after ``RequestContextMiddleware`` (request id, metrics), ``SecurityMiddleware``
    and ``CardNumberRefusalMiddleware``. What the skipped middleware would add to such an
    answer is added here or by ``json_response``: ``X-Frame-Options`` and ``Content-Length``.
    Any other request goes on down the chain untouched."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.frame_options = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        if request.method == "GET" and token_key(request) is not None:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            fast_read = getattr(match.func, "fast_read", None) if match else None
            if fast_read is not None:
                # What the handler sets before a view runs (the metrics name the view by it),
                # and the log context ``RequestContextMiddleware.process_view`` would set.
                request.resolver_match = match
                basket_guid_note(match.kwargs.get("guid"))
                response = fast_read(request, **match.kwargs)
                return self.frame_options.process_response(request, response)
        return self.get_response(request)
