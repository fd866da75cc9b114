"""AC-4: a request with a full card number in its path, query string or headers is refused
before any view, form or log sees more than its redacted form; one with more of them than
the check reads is refused unread."""

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from .cards import card_numbers_refuse
from .exceptions import RequestTextRefused, TooMuchToCheck

# Credentials are random strings checked elsewhere; a hex or alphanumeric key may hold digit
# runs that are no one's card and must not lock its holder out. A proxy's list of client
# addresses ("203.0.113.195, 70.41.3.18") is digit groups joined by dots and commas that
# would pass for a card one time in ten.
UNCHECKED_HEADERS = frozenset(
    {"authorization", "cookie", "x-csrftoken", "x-forwarded-for", "forwarded", "x-real-ip"}
)
# What one request may make the check read. gunicorn lets a request line reach 4 KB and up
# to 100 headers of 8 KB each; browsers and storefronts send a few hundred bytes of checked
# headers (cookies and credentials are not read), a long admin filter URL a few KB.
ADDRESS_LIMIT = 8 * 1024
HEADERS_LIMIT = 16 * 1024
ADMIN_PREFIX = "/admin/"


class CardNumberRefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in UNCHECKED_HEADERS
        }
        try:
            address = len(request.path) + len(request.META.get("QUERY_STRING", ""))
            if address > ADDRESS_LIMIT:
                raise TooMuchToCheck(
                    f"The address is longer than {ADDRESS_LIMIT} characters.", http_status=414
                )
            if sum(len(name) + len(value) for name, value in headers.items()) > HEADERS_LIMIT:
                raise TooMuchToCheck(
                    f"The headers hold more than {HEADERS_LIMIT} characters.", http_status=431
                )
            card_numbers_refuse(request.path, where="address")
            card_numbers_refuse(dict(request.GET.lists()), where="address")
            card_numbers_refuse(headers, where="headers")
        except RequestTextRefused as error:
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": error.message, "code": error.code}, status=error.http_status
                )
            if request.path_info.startswith(ADMIN_PREFIX):
                return _admin_refusal(request, error)
            return HttpResponse(error.message, status=error.http_status, content_type="text/plain")
        return self.get_response(request)


def _admin_refusal(request, error: RequestTextRefused) -> HttpResponse:
    """Staff typing a card number into a search box see the admin's page with an error
    message and a link back to the page without the query (the path when it holds no card
    number, else the admin's home)."""
    try:
        card_numbers_refuse(request.path, where="address")
        back = request.path
    except RequestTextRefused:
        back = ADMIN_PREFIX
    body = render_to_string(
        "admin/request_refused.html",
        {"title": "Request refused", "message": error.message, "back": back},
    )
    return HttpResponse(body, status=error.http_status)
