from django import template

from baskets.admin.rows import basket_result_list

register = template.Library()


@register.inclusion_tag("admin/baskets/basket/change_list_results.html")
def basket_results(changelist):
    """The grid's table: Django's headers, rows rendered by ``baskets.admin.rows``."""
    return basket_result_list(changelist)
