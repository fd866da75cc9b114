"""PV-5: which language a shopper page speaks.

The basket's language when the storefront sent one (``Basket.language``), else the
browser's ``Accept-Language`` among ``settings.LANGUAGES``, else English. A page about a
basket the visitor may not open never uses that basket's language: its answer must be the
unknown GUID's (AC-7).
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from baskets.models import Basket

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def basket_for_language(basket_id: int | None) -> Basket | None:
    """Just the basket's language, for a page that has only its id."""
    return Basket.objects.filter(pk=basket_id).only("language").first() if basket_id else None


def basket_language_activate(basket: Basket | None) -> None:
    """Speak the basket's language from here on in this request, when it has one."""
    if basket is not None and basket.language in SUPPORTED:
        translation.activate(basket.language)


def shopper_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view in the browser's language (the view may switch to the basket's); the
    answer says which (``Content-Language``) and that it varies with ``Accept-Language``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        language = translation.get_language_from_request(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
            response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapped
