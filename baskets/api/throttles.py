"""Guessing is slow (SPEC AC-5): one request budget per API client, shared by the DRF views
and the status fast path, which counts against the same cache key.

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
            return self.client_key(user.pk)
        return self.cache_format % {"scope": self.scope, "ident": f"ip:{self.get_ident(request)}"}

    def client_key(self, user_id: int) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"user:{user_id}"}

    def allow_client(self, user_id: int) -> bool:
        """The fast path's check: the same bookkeeping as ``allow_request`` for one client."""
        if self.rate is None:
            return True
        self.key = self.client_key(user_id)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()
