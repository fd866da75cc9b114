"""Realistic demo data: every status, every account type, courses, products and services,
spread over the last 90 days with their timelines, abandonments, reminders and recoveries.

``demo_load`` writes in chunks with ``bulk_load`` (COPY on PostgreSQL), so a million
baskets is a matter of minutes. Rows are built deterministically from a seed.
"""

import random
from collections.abc import Callable

from django.utils import timezone

from baskets.models import Basket, BasketEvent, CourseEnrolment, Invoice, Line, Order, OrderLine

from ..bulk import sequences_reset
from .builder import DemoBuilder, DemoChunk
from .parties import catalogue_ensure, parties_create

__all__ = ["catalogue_ensure", "demo_load", "parties_create"]


def demo_load(
    *,
    baskets: int,
    seed: int = 1,
    chunk_size: int = 10_000,
    lines_per_basket: int | None = None,
    statuses: dict | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Create ``baskets`` demo baskets with parties, catalogue, events and orders."""
    rng = random.Random(seed)
    catalogue = catalogue_ensure(rng)
    parties = parties_create(rng, baskets)
    builder = DemoBuilder(
        rng, parties, catalogue, timezone.now(), lines_per_basket, statuses, total=baskets
    )
    remaining = baskets
    while remaining > 0:
        size = min(chunk_size, remaining)
        chunk = DemoChunk()
        for _ in range(size):
            builder.add(chunk)
        chunk.write()
        remaining -= size
        if progress is not None:
            progress(size)
    sequences_reset(Basket, Line, BasketEvent, Order, OrderLine, Invoice, CourseEnrolment)
