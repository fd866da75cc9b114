"""The grid's sidebar form: the shared ``BasketFilterSet`` as one admin list filter (BM-3)."""

from django.contrib import admin, messages
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from ..filters import BASKET_FILTER_PARAMETERS, GRID_DEFAULT_SCOPE, BasketFilterSet, Scope
from .fragments import filter_fields_html


class BasketFilterSetFilter(admin.ListFilter):
    """Renders the filter form and applies it; invalid input is an admin message, no rows."""

    title = _("Filter baskets")
    # The URL parameters it takes: the only ones the grid accepts (``privacy``).
    parameters = BASKET_FILTER_PARAMETERS
    template = "admin/baskets/basket/filterset_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # Lists, so a multi-select (several statuses) keeps all its values; the grid opens
        # on the open baskets unless the URL says otherwise (a bookmark keeps its scope).
        self.values = QueryDict(mutable=True)
        self.values["scope"] = GRID_DEFAULT_SCOPE
        for name in BASKET_FILTER_PARAMETERS:
            if name in params:
                value = params.pop(name)
                self.values.setlist(name, value if isinstance(value, list) else [value])
        self.filterset = BasketFilterSet(data=self.values, request=request)

    def has_output(self) -> bool:
        return True

    def expected_parameters(self):
        return list(BASKET_FILTER_PARAMETERS)

    def choices(self, changelist):
        """One click between the open baskets and the whole history (BM-5, CB-1)."""
        current = self.values.get("scope")
        return [
            {
                "display": label,
                "query_string": changelist.get_query_string({"scope": value}, ["p"]),
                "selected": current == value,
            }
            for value, label in Scope.choices
        ]

    def queryset(self, request, queryset):
        self.filterset.queryset = queryset
        if not self.filterset.is_valid():
            for field, errors in self.filterset.errors.items():
                label = (
                    self.filterset.form.fields[field].label
                    if field in self.filterset.form.fields
                    else field
                )
                for error in errors:
                    messages.error(request, f"{label}: {error}")
            return queryset.none()
        return self.filterset.filter_queryset(queryset)

    @property
    def form(self):
        return self.filterset.form

    @property
    def fields_html(self):
        """The form's fields for the sidebar, unchanged ones from the kept HTML."""
        return filter_fields_html(self.filterset.form)

