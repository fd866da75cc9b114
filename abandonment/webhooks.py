"""PV-2: the e-mail service's tracking webhook (django-anymail, ``/anymail/<service>/
tracking/``): a bounce or complaint suppresses the address for reminders."""

from anymail import urls as anymail_urls
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

from .services.suppressions import tracking_event_record


def anymail_tracking_receive(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's ``tracking`` signal, sent after it verified the service's signature."""
    tracking_event_record(event=event, esp_name=esp_name)


def _configured_only(view):
    """A service that is not configured answers 404 (anymail would raise, a 500)."""

    @csrf_exempt
    def configured(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured as error:
            raise Http404("This e-mail service is not configured.") from error

    return configured


def anymail_urlpatterns() -> list[URLPattern]:
    """anymail's webhook URLs, each answering 404 until its service is configured."""
    return [
        URLPattern(pattern.pattern, _configured_only(pattern.callback), pattern.default_args,
                   pattern.name)
        for pattern in anymail_urls.urlpatterns
    ]
