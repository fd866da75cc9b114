from django import template

from basketops.business import business_setting
from baskets.selectors import basket_locked_list

register = template.Library()


@register.simple_tag
def locked_cart_count() -> int:
    """LC-2: how many carts are Locked."""
    return basket_locked_list().count()


@register.simple_tag
def daily_notification_hour() -> str:
    """LC-5: the hour the daily staff e-mail goes (live), two digits."""
    return f"{business_setting('DAILY_NOTIFICATION_HOUR'):02d}"
