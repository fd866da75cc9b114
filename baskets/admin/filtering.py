"""The grid's sidebar form: the shared ``BasketFilterSet`` as one admin list filter (BM-3)."""

from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.http import QueryDict

from ..filters import BASKET_FILTER_PARAMETERS, GRID_DEFAULT_SCOPE, BasketFilterSet, Scope
from .fragments import filter_fields_html


class BasketFilterSetFilter(admin.ListFilter):
    """Renders the filter form and applies it; invalid input is an admin message, no rows."""

    title = "Filter baskets"
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
        _distinct_only_across_relations(self.filterset)

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


def _distinct_only_across_relations(filterset) -> None:
    """No DISTINCT for a several-values filter on one of the basket's own columns (status,
    stage): it can never repeat a row, and DISTINCT makes PostgreSQL sort every matching
    basket, joins and all, before the page's LIMIT instead of reading the first hundred in
    index order. Filters across a to-many relation keep it."""
    for filter_ in filterset.filters.values():
        if not filter_.distinct or LOOKUP_SEP in filter_.field_name:
            continue
        try:
            field = filterset._meta.model._meta.get_field(filter_.field_name)
        except FieldDoesNotExist:
            continue
        if not (field.many_to_many or field.one_to_many):
            filter_.distinct = False
