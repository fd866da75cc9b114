"""The language staff read the admin in: their browser's (``Accept-Language``) among
``settings.LANGUAGES``, else English. Dates are written and typed the way that language
does (``basketops/formats``: 01/12/2026 is 1 December in Danish, 12 January in English;
ISO dates everywhere). Shopper pages choose their own language (``recovery.languages``);
the API speaks English.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = ""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.prefix:
            self.prefix = reverse("admin:index")
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language",))
        return response
