"""Request id, basket GUID and request metrics for every request (IN-3, IN-4)."""

import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

from basketops.log_context import basket_guid_note, basket_guid_var, request_id_var
from security.cards import contains_full_card_number

from .metrics import request_observe

# A caller's X-Request-ID is kept when it is short and plain; otherwise a new one is made.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        keep = REQUEST_ID.match(given) and not contains_full_card_number(given)
        request_id = given if keep else uuid.uuid4().hex
        request.request_id = request_id
        # Set, not reset afterwards: Django logs a 4xx/5xx after the middleware returned,
        # and that line must carry the ids too. The next request sets its own.
        request_id_var.set(request_id)
        basket_guid_var.set(None)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        match = getattr(request, "resolver_match", None)
        request_observe(
            view=match.view_name if match else "unresolved",
            method=request.method if request.method in KNOWN_METHODS else "other",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The basket a view handles, from its URL (``<guid>``) or ``?guid=`` (legacy link)."""
        basket_guid_note(view_kwargs.get("guid") or request.GET.get("guid"))
        return None


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
