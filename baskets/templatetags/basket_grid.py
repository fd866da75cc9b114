from django import template

from baskets.admin.fragments import action_fields_html, nav_sidebar_html
from baskets.admin.rows import basket_result_list

register = template.Library()


@register.inclusion_tag("admin/baskets/basket/change_list_results.html")
def basket_results(changelist):
    """The grid's table: Django's headers, rows rendered by ``baskets.admin.rows``."""
    return basket_result_list(changelist)


@register.simple_tag(takes_context=True)
def basket_nav_sidebar(context):
    """The admin's nav sidebar, kept rendered per distinct menu (``baskets.admin.fragments``)."""
    return nav_sidebar_html(context)


@register.simple_tag
def basket_action_fields(action_form):
    """The action chooser, kept rendered per set of actions offered."""
    return action_fields_html(action_form)
