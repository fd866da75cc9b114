"""AC-1 in the admin: what a list accepts in its URL, and which columns and page fields a
user sees, both decided by ``baskets.personal_data``.

Django's own ``lookup_allowed`` lets a URL filter on any field of the model with any lookup
(``?email__iregex=^jane\\.[a-m]`` spells an e-mail out a letter at a time): here a list
accepts only the parameters its list filters (and date hierarchy) define; search, ordering
and paging are Django's own parameters and never reach ``lookup_allowed``. Anything else is
the admin's usual "?e=1" answer with a message, in the list and in its export alike.
"""

from django.contrib import messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.filters import FieldListFilter, SimpleListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Field

from ..access import personal_data_visible
from ..personal_data import names_shown, path_is_personal

REFUSED_MESSAGE = (
    "This list cannot be filtered by “{}”: use the filters and the search box beside it."
)


def list_filter_parameters(model_admin, request) -> frozenset[str]:
    """Every URL parameter the list filters of ``model_admin`` define for this request."""
    parameters: set[str] = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            parameters.add(item.parameter_name)
        elif isinstance(item, type):
            # A custom ListFilter names its parameters (``BasketFilterSetFilter``).
            parameters.update(getattr(item, "parameters", ()))
        else:
            field, filter_class = (
                item if isinstance(item, list | tuple) else (item, FieldListFilter.create)
            )
            path = None
            if not isinstance(field, Field):
                path, field = field, get_fields_from_path(model_admin.model, field)[-1]
            # The filter takes its parameters out of the dictionary it is given; this one
            # is thrown away. No filter in the product runs a query when made.
            spec = filter_class(field, request, {}, model_admin.model, model_admin, field_path=path)
            parameters.update(spec.expected_parameters())
    hierarchy = model_admin.date_hierarchy
    if hierarchy:
        parameters.update(f"{hierarchy}__{part}" for part in ("year", "month", "day"))
    return frozenset(parameters)


class PersonalDataAdminMixin:
    """For every ModelAdmin that lists baskets or their records (AC-1)."""

    def lookup_allowed(self, lookup, value, request) -> bool:
        if lookup not in list_filter_parameters(self, request):
            return False
        return personal_data_visible(request.user) or not path_is_personal(self.model, lookup)

    def get_changelist_instance(self, request):
        """A refused lookup is the admin's "?e=1" with a message (Django answers 400)."""
        try:
            return super().get_changelist_instance(request)
        except DisallowedModelAdminLookup as error:
            name = str(error).removeprefix("Filtering by ").removesuffix(" not allowed")
            messages.error(request, REFUSED_MESSAGE.format(name[:80]))
            raise IncorrectLookupParameters(str(error)) from error

    def get_list_display(self, request):
        return names_shown(
            self.model,
            self,
            super().get_list_display(request),
            personal=personal_data_visible(request.user),
        )


def shown_fields(model_admin, request, names) -> list[str]:
    """The page fields of ``names`` this user may see."""
    return names_shown(
        model_admin.model, model_admin, names, personal=personal_data_visible(request.user)
    )
