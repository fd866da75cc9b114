from django import template

from baskets.models import Basket, Status

register = template.Library()


@register.simple_tag
def locked_cart_count() -> int:
    """LC-2: how many carts are Locked (a partial index makes this cheap)."""
    return Basket.objects.filter(status=Status.LOCKED).count()
