"""Provider notification endpoints (SH-4): ``POST /hooks/<provider>/``.

No session or login: the provider's signature is the authentication. Answers: 200 once the
notification is recorded (or replayed, or of an event type not used: the provider stops
sending it), 400 when it is not the provider's (logged, nothing written), 404 when the
provider is not configured, 503 when the check needs the provider and it cannot be asked
(the provider sends it again later)."""

import logging

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .exceptions import NotificationRefused, ProviderUnavailable
from .services import ProviderOff, notification_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def notification_view(request, provider: str):
    try:
        answer = notification_receive(
            provider_name=provider, body=request.body, headers=request.headers
        )
    except ProviderOff as error:
        raise Http404("No such payment provider is configured.") from error
    except NotificationRefused as error:
        logger.warning("%s notification refused: %s", provider, error)
        return JsonResponse(
            {"detail": "The notification could not be verified.", "code": "not_verified"},
            status=400,
        )
    except ProviderUnavailable as error:
        logger.warning("%s notification not checked, provider unavailable: %s", provider, error)
        return JsonResponse(
            {
                "detail": "The provider could not be reached; send again later.",
                "code": "provider_unavailable",
            },
            status=503,
        )
    return JsonResponse({"outcome": answer.outcome, "detail": answer.detail})
