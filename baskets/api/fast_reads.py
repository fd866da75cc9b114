"""The API's two hot reads in one round trip: a basket's status, and the basket with its lines.

Pollers and storefronts call ``GET /api/baskets/<guid>/status/`` and ``GET /api/baskets/<guid>/``
far more often than anything else. With ``Authorization: Token <key>`` the answer comes from
one query (the token, its user, the client groups that decide its rights, the basket and,
for the full read, its lines as one JSON array), run as a prepared statement, and without
DRF's request wrapper; a staff user's token needs a second one, for its permissions. The
body, headers, errors and their order (401, 403, 429, 400, 404) are the ones the DRF views
give (``read.BasketStatusView``, ``read.BasketDetailView``), which still serve every other
kind of client (session login, browsable API) and document both in the schema;
``tests/baskets/test_fast_read_contract.py`` compares the two answer for answer. DRF's own
pieces do what they can without a query: the token header is read by
``TokenAuthentication``, the request budget counted by the view's throttle classes (AC-5),
every error written by the API's exception handler. Rights come from ``baskets.access``
(AC-2; its SQL form beside the Python one), the ETag from ``basket_etag``.

The body is written by the serializers' own field objects, made once per process rather
than once per request (``basket_representation``), so the format of every value is DRF's.

``TokenReadMiddleware`` answers these reads early in the middleware chain: after the request
id and metrics, the security headers and the card-number refusal (AC-4), before the
session, CSRF, login, message and lockout middleware, none of which a token read uses, and
without a second URL dispatch. The route decides (``resolve``), not a copy of its pattern.
"""

import functools
import json
from collections.abc import Callable

import psycopg
from django.db import connection
from django.db.models import JSONField
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.urls import Resolver404, resolve
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from rest_framework.utils.encoders import JSONEncoder

from basketops.log_context import basket_guid_note

from ..access import (
    TOKEN_CLIENT_SQL,
    TOKEN_PERMISSIONS_SQL,
    ApiRight,
    client_row_permissions_needed,
    client_row_rights,
)
from ..exceptions import InvalidGuid
from ..links import basket_url
from ..models import Basket, Line
from ..selectors import guid_parse
from .errors import exception_handler
from .permissions import SHOPPER_REFUSED, ClientRights
from .serializers import (
    FIELDS_BY_RIGHT,
    BasketSerializer,
    BasketStatusSerializer,
    CurrencyAmountField,
    LineSerializer,
    basket_etag,
)

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
        f"SELECT client.*, {', '.join(columns)} FROM ({TOKEN_CLIENT_SQL}) AS client "  # noqa: S608
        f"LEFT JOIN {basket_table} AS basket ON basket.guid = %(guid)s"
    )


def _fetch_one(sql: str, params: dict) -> dict | None:
    """One row as a dict, through a prepared statement: planning this query costs more than
    running it, and a worker asks it again and again on its persistent connection."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection, row_factory=psycopg.rows.dict_row) as cursor:
        cursor.execute(sql, params, prepare=True, binary=True)
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
    body: dict, status: int, etag: str = "", headers: dict | None = None
) -> HttpResponse:
    # Serialised as DRF's JSONRenderer does, byte for byte.
    content = json.dumps(
        body, cls=JSONEncoder, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    response = HttpResponse(content.encode(), status=status, content_type="application/json")
    if etag:
        response["ETag"] = etag
    for name, value in (headers or {}).items():
        response[name] = value
    # What CommonMiddleware adds to every other answer (``TokenReadMiddleware`` runs first).
    response["Content-Length"] = str(len(response.content))
    return response


class _TokenHeader(TokenAuthentication):
    """DRF's own reading of the ``Authorization`` header (its keyword and its refusals of a
    malformed one); the key itself is looked up by the fast read's one query."""

    def authenticate_credentials(self, key: str) -> str:
        return key


def token_client(request) -> bool:
    """Whether the request has an ``Authorization: Token ...`` header (a malformed one too:
    DRF's 401 answers it); other clients go to the DRF view."""
    keyword, _, _rest = request.headers.get("Authorization", "").partition(" ")
    return keyword == _TokenHeader.keyword


def _refusal(error: Exception, view_headers: dict) -> HttpResponse:
    """The answer the DRF view gives ``error``: the API's own exception handler makes the
    body, status and headers; ``APIView.handle_exception`` adds ``WWW-Authenticate``."""
    answer = exception_handler(error, {})
    headers = {name: value for name, value in answer.items() if name != "Content-Type"}
    if isinstance(error, NotAuthenticated | AuthenticationFailed):
        headers["WWW-Authenticate"] = _TokenHeader().authenticate_header(None)
    return json_response(answer.data, answer.status_code, headers={**view_headers, **headers})


class _TokenUser:
    """The token's user as the request budget sees it (``ClientRateThrottle`` asks whether
    the client is authenticated and for its id): what a user model instance would answer,
    without building one on every poll."""

    __slots__ = ("pk", "is_staff")
    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, pk: int, is_staff: bool) -> None:
        self.pk = pk
        self.is_staff = is_staff


def _client_check(request, drf_view, row: dict | None) -> frozenset[ApiRight]:
    """The token client's rights, or DRF's 401/403/429 for it (DRF's order and words): the
    token is the view's authentication, its rights the view's permission, and its request
    budget counted by the view's own throttles (``APIView.check_throttles``)."""
    if row is None:
        raise AuthenticationFailed("Invalid token.")
    if not row["is_active"]:
        raise AuthenticationFailed("User inactive or deleted.")
    permissions = ()
    if client_row_permissions_needed(row):  # a staff user's token: a second statement
        permissions = _fetch_one(TOKEN_PERMISSIONS_SQL, {"user_id": row["user_id"]})["permissions"]
    rights = client_row_rights(row, permissions)
    if ApiRight.READ not in rights:
        raise PermissionDenied(ClientRights.message if row["client_groups"] else SHOPPER_REFUSED)
    # The throttles ask only who the client is: the token's user, as DRF would have set it.
    request.user = _TokenUser(row["user_id"], row["is_staff"])
    drf_view.view_class(**drf_view.view_initkwargs).check_throttles(request)
    return rights


def _fast_read(request, guid: str, drf_view, view_headers: dict, *, full: bool) -> HttpResponse:
    try:
        key = _TokenHeader().authenticate(request)
        try:
            parsed, bad_guid = guid_parse(guid), None
        except InvalidGuid as error:
            parsed, bad_guid = None, error
        row = _fetch_one(
            read_sql(full=full, token=True),
            {"guid": parsed, "key": key},
        )
        rights = _client_check(request, drf_view, row)
        if bad_guid is not None:
            raise bad_guid
        if row["guid"] is None:
            raise NotFound(f"No basket with GUID {parsed}.")
    except (APIException, InvalidGuid) as error:
        return _refusal(error, view_headers)
    etag = basket_etag(guid=parsed, status_value=row["status"], modified_at=row["modified_at"])
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304, headers=view_headers)
        del response["Content-Type"]  # an answer without a body (DRF sets none)
        response["ETag"] = etag
        response["Content-Length"] = "0"
        return response
    if full:
        body = basket_representation(row, rights)
    else:
        body = _represent(_status_fields(), row)
    return json_response(body, 200, etag, view_headers)


def with_fast_path(drf_view, *, full: bool) -> Callable:
    """``drf_view`` (a ``read`` view's ``as_view()``) with token GETs answered here first.

    The DRF view keeps serving every other client and stays what the schema documents.
    ``TokenReadMiddleware`` finds the token read through ``view.fast_read``."""

    # What DRF puts on every answer of the view (``Allow``; ``Vary`` with several renderers),
    # from a view set up as for a request (``setup`` is what adds HEAD beside GET).
    drf_instance = drf_view.cls(**drf_view.initkwargs)
    drf_instance.setup(None)
    view_headers = drf_instance.default_response_headers

    def fast_read(request, guid: str) -> HttpResponse:
        return _fast_read(request, guid, drf_view, view_headers, full=full)

    def view(request, guid: str):
        if request.method == "GET" and token_client(request):
            return fast_read(request, guid)
        return drf_view(request, guid=guid)

    view.cls = drf_view.cls
    view.initkwargs = drf_view.initkwargs
    view.csrf_exempt = True
    view.fast_read = fast_read
    view.drf_view = drf_view  # what the fast read stands for (its contract test's reference)
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
        if request.method == "GET" and token_client(request):
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
