from django import template
from django.conf import settings
from django.utils import timezone

from baskets.models import Basket, Status

register = template.Library()


@register.simple_tag
def completion_attention() -> dict[str, int]:
    """Counts for the admin index: baskets in completion that need a person."""
    failed = Basket.objects.filter(status=Status.COMPLETION_FAILED, closure__isnull=True).count()
    stuck = Basket.objects.filter(
        status=Status.AWAITING_COMPLETION, paid_at__lt=timezone.now() - settings.RECONCILE_AFTER
    ).count()
    return {"failed": failed, "stuck": stuck}
