"""Guessing is slow (SPEC AC-5): one request budget per API client, shared by the DRF views
and the token fast reads, which call the views' own throttle check.

The limit is ``settings.API_THROTTLE_RATE`` ("<count>/<second|minute|hour|day>"), read on
each request so tests can lower it. The counts live in the ``throttle`` cache: shared by
every web process whenever Redis is configured (``CACHE_URL`` or the broker's), else per
process.

While that Redis cannot be reached the budgets are counted in this process instead (a
warning is logged): the storefront keeps working through a Redis restart, and guessing
stays slow, per process, meanwhile.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

# Budgets counted by this process while the shared cache is unreachable.
LOCAL_BUDGETS = LocMemCache("throttle-while-shared-is-down", {"MAX_ENTRIES": 100_000})


class ClientRateThrottle(SimpleRateThrottle):
    """Per authenticated client (its user id), else per address."""

    scope = "client"

    def __init__(self) -> None:
        super().__init__()
        self.cache = caches["throttle"]

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user:{user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": f"ip:{self.get_ident(request)}"}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning(
                "Request budgets counted in this process: the shared budget cache is "
                "unreachable (%s)",
                type(error).__name__,
            )
            self.cache = LOCAL_BUDGETS
            return super().allow_request(request, view)
