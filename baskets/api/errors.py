"""The API's one exception handler (API-3): domain errors become JSON 4xx answers, a
database out of reach a 503 with ``Retry-After`` (``basketops.outage``)."""

import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from basketops.outage import BODY, database_unreachable, retry_after_headers, unavailable_noted
from security.exceptions import RequestTextRefused

from ..exceptions import BasketError

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Domain errors become 4xx JSON with ``detail`` and ``code``, an unreachable database
    503 ``service_unavailable``; the rest as DRF does."""
    if isinstance(exc, BasketError):
        if exc.basket_id is not None:
            logger.info("refused basket %s: %s", exc.basket_id, exc.message)
        return Response({"detail": exc.message, "code": exc.code}, status=exc.http_status)
    if isinstance(exc, RequestTextRefused):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.http_status)
    if database_unreachable(exc):
        response = Response(BODY, status=503, headers=retry_after_headers())
        return unavailable_noted(context.get("request"), exc, response)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, dict):
        return response
    if "detail" not in response.data:
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    elif "code" not in response.data and isinstance(exc, APIException):
        codes = exc.get_codes()
        response.data["code"] = codes if isinstance(codes, str) else exc.default_code
    return response


@csrf_exempt  # a 404 for every method, like the API's own (which never use CSRF for tokens)
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """API-3: the JSON 404 of any address under /api/ that no API route takes."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
