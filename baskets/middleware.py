"""AC-4: a request with a full card number in its path, query string or headers is refused
before any view, form or log sees more than its redacted form."""

from django.http import HttpResponse, JsonResponse

from .services.cards import card_numbers_refuse
from .services.storefront_errors import FullCardNumberRefused

# Credentials are random strings checked elsewhere; a hex or alphanumeric key may hold digit
# runs that are no one's card and must not lock its holder out. A proxy's list of client
# addresses ("203.0.113.195, 70.41.3.18") is digit groups joined by dots and commas that
# would pass for a card one time in ten.
UNCHECKED_HEADERS = frozenset(
    {"authorization", "cookie", "x-csrftoken", "x-forwarded-for", "forwarded", "x-real-ip"}
)


class CardNumberRefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            card_numbers_refuse(request.path, where="address")
            card_numbers_refuse(dict(request.GET.lists()), where="address")
            card_numbers_refuse(
                {
                    name: value
                    for name, value in request.headers.items()
                    if name.lower() not in UNCHECKED_HEADERS
                },
                where="headers",
            )
        except FullCardNumberRefused as error:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": error.message, "code": error.code}, status=400)
            return HttpResponse(error.message, status=400, content_type="text/plain")
        return self.get_response(request)
