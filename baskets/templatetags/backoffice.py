from django import template
from django.conf import settings

from basketops.business import business_setting

register = template.Library()


@register.simple_tag
def business_settings() -> list[tuple[str, object]]:
    """The business settings in force now (SPEC section 8), live values included."""
    return [(name, business_setting(name)) for name in settings.BUSINESS_SETTINGS]
