"""/healthz, /readyz (IN-2) and /metrics (IN-4): no login, nothing secret."""

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from basketops.reads import replica_status

from .metrics import metrics_render
from .selectors import readiness_list


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is asked (liveness)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when database, broker, scheduler and a worker are there; 503 naming what is not."""
    results = readiness_list()
    failing = [name for name, problem in results.items() if problem]
    return JsonResponse(
        {
            "status": "unavailable" if failing else "ok",
            "failing": failing,
            "checks": {name: problem or "ok" for name, problem in results.items()},
            # SC-5: informative only; a late or absent replica sends reads to the primary.
            "replica": replica_status(),
        },
        status=503 if failing else 200,
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, only with ``Authorization: Bearer <METRICS_TOKEN>``."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off (METRICS_TOKEN is empty).")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("A bearer token is needed.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
