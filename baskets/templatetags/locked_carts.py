from django import template

from baskets.selectors import basket_locked_list

register = template.Library()


@register.simple_tag
def locked_cart_count() -> int:
    """LC-2: how many carts are Locked."""
    return basket_locked_list().count()
