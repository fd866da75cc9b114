from django import template
from django.conf import settings
from django.utils import timezone

from ..selectors import baskets_needing_staff

register = template.Library()


@register.simple_tag
def completion_attention() -> dict[str, int]:
    """Counts for the admin index: baskets in completion that need a person."""
    needing_staff = baskets_needing_staff(
        now=timezone.now(), waiting_longer_than=settings.RECONCILE_AFTER
    )
    return {"failed": needing_staff.failed.count(), "stuck": needing_staff.waiting.count()}
