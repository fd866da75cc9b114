"""The grid's sidebar form: the shared ``BasketFilterSet`` as one admin list filter (BM-3)."""

from django.contrib import admin, messages

from ..filters import BASKET_FILTER_PARAMETERS, BasketFilterSet


class BasketFilterSetFilter(admin.ListFilter):
    """Renders the filter form and applies it; invalid input is an admin message, no rows."""

    title = "Filter baskets"
    template = "admin/baskets/basket/filterset_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.values = {}
        for name in BASKET_FILTER_PARAMETERS:
            if name in params:
                value = params.pop(name)
                self.values[name] = value[-1] if isinstance(value, list) else value
        self.filterset = BasketFilterSet(data=self.values or None, request=request)

    def has_output(self) -> bool:
        return True

    def expected_parameters(self):
        return list(BASKET_FILTER_PARAMETERS)

    def choices(self, changelist):
        return []

    def queryset(self, request, queryset):
        if not self.values:
            return queryset
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
