"""PostgreSQL out of reach: 503 with ``Retry-After``, not a 500.

While the database refuses connections (a restart, a failover) or a connection is lost in
the middle of a request, every request that needs it answers 503 with ``Retry-After:
DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS``, so storefronts retry and payment providers
redeliver their notifications. The API and the providers' webhooks get the API's error body
``{"detail", "code": "service_unavailable"}``; pages get ``templates/503.html``, rendered
without the request (no session, no user, no context processor asks the database).

An error is taken for an outage by what psycopg says (``database_unreachable``); any other
database error (a constraint, a missing table, a statement timeout) stays a 500. Each such
request is one warning line, without a traceback, and is counted in the request metrics as
503 (``operations.middleware.RequestContextMiddleware`` sees the answer like any other).

Where the error surfaces decides who answers, with the same answer:
- a DRF view: the API's exception handler (``baskets.api.errors``);
- any other view (admin, shopper pages, webhooks): ``DatabaseOutageMiddleware``;
- a middleware (the token fast read, the session saved after the view): ``server_error``,
  the project's ``handler500``.
"""

import logging
import sys

import psycopg
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

# What psycopg raises without an SQLSTATE is the client's own word on the connection
# (refused, timed out, lost, closed). With one, these say the same from the server: class 08
# (connection exception), the server shutting down or starting up (57P01 admin_shutdown,
# 57P02 crash_shutdown, 57P03 cannot_connect_now), an idle session ended (57P05), and no
# connection slot left (53300 too_many_connections). A retry reaches a new connection.
UNREACHABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P05", "53300"})
UNREACHABLE_SQLSTATE_CLASSES = ("08",)
# Callers of these paths are programs (API clients, payment and e-mail providers): JSON.
JSON_PATHS = ("/api/", "/hooks/", "/anymail/")
BODY = {
    "detail": "The database cannot be reached right now; retry after Retry-After seconds.",
    "code": "service_unavailable",
}


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` (or the psycopg error Django raised it from) says the database
    could not be reached or the connection was lost, rather than that a statement failed."""
    seen = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, psycopg.OperationalError):
            state = link.sqlstate
            return (
                state is None
                or state.startswith(UNREACHABLE_SQLSTATE_CLASSES)
                or state in UNREACHABLE_SQLSTATES
            )
        if isinstance(link, psycopg.InterfaceError):
            # Also raised for a misuse (a closed cursor): an outage only with a broken link.
            return _a_connection_broken()
        link = link.__cause__ or link.__context__
    return False


def _a_connection_broken() -> bool:
    return any(
        wrapper.connection is not None and wrapper.connection.broken
        for wrapper in connections.all(initialized_only=True)
    )


def retry_after_headers() -> dict[str, str]:
    return {"Retry-After": str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS)}


def unavailable_noted(request, error: BaseException, response: HttpResponse) -> HttpResponse:
    """Log ``response`` (a 503 for ``error``) as one warning line and have this thread's
    connections checked when the request ends, so the next request opens a new one."""
    logger.warning(
        "Service Unavailable: %s %s: database unreachable (%s: %s)",
        getattr(request, "method", ""),
        getattr(request, "path", ""),
        type(error).__name__,
        " ".join(str(error).split()),
    )
    # Django's own mark (django.utils.log.log_response): the line above is this request's
    # one line, without the traceback Django would add to a 5xx.
    response._has_been_logged = True
    # Django closes a connection flagged so whose check fails when the request ends
    # (close_old_connections); the fast read's own cursor does not flag it.
    for wrapper in connections.all(initialized_only=True):
        wrapper.errors_occurred = True
    return response


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 answer to ``request``: JSON for programs, the plain page for people."""
    if request.path_info.startswith(JSON_PATHS):
        response = JsonResponse(BODY, status=503, headers=retry_after_headers())
    else:
        page = render_to_string(
            "503.html", {"retry_after": settings.DATABASE_UNAVAILABLE_RETRY_AFTER_SECONDS}
        )
        response = HttpResponse(page, status=503, headers=retry_after_headers())
    return unavailable_noted(request, error, response)


class DatabaseOutageMiddleware:
    """A view that raised because the database is out of reach answers 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not database_unreachable(exception):
            return None
        return unavailable_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a middleware's error (Django calls this while handling it) that is an
    outage answers 503 as a view's would; anything else is Django's own 500."""
    error = sys.exception()
    if error is not None and database_unreachable(error):
        return unavailable_response(request, error)
    return defaults.server_error(request)
