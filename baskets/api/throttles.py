"""Guessing is slow (SPEC AC-5): one request budget per API client, shared by the DRF views
and the token fast reads, which call the views' own throttle check.

The limit is ``settings.API_THROTTLE_RATE`` ("<count>/<second|minute|hour|day>"), read on
each request so tests can lower it. The counts live in the ``throttle`` cache: shared by
every web process whenever Redis is configured (``CACHE_URL`` or the broker's), else per
process.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Per authenticated client (its user id), else per address."""

    scope = "client"
    cache = caches["throttle"]

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user:{user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": f"ip:{self.get_ident(request)}"}
