from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def business_settings() -> list[tuple[str, object]]:
    """The business settings in force (SPEC section 8), for staff to read in the admin."""
    return [(name, getattr(settings, name)) for name in settings.BUSINESS_SETTINGS]
