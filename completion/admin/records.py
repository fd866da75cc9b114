"""Records of completion: orders (accounts receivable) and worker heartbeats."""

from django.contrib import admin
from django.db.models import Q

from baskets.admin.paging import CappedCountPaginator
from baskets.models import Order

from ..models import WorkerHeartbeat
from .triage import basket_link


class AccountsReceivableFilter(admin.SimpleListFilter):
    title = "accounts receivable"
    parameter_name = "accounts_receivable"

    def lookups(self, request, model_admin):
        return (("yes", "In accounts receivable"), ("no", "Paid"))

    def queryset(self, request, queryset):
        condition = Q(accounts_receivable_at__isnull=False)
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders made by completion; AB-5 failed charges wait here with their note."""

    list_display = (
        "number",
        "basket_guid",
        "total",
        "currency",
        "created_at",
        "accounts_receivable_at",
        "accounts_receivable_note",
    )
    list_filter = (AccountsReceivableFilter,)
    list_select_related = ("basket",)
    search_fields = ("=number",)
    paginator = CappedCountPaginator
    show_full_result_count = False
    readonly_fields = (
        "basket",
        "number",
        "total",
        "currency",
        "created_at",
        "accounts_receivable_at",
        "accounts_receivable_note",
    )

    @admin.display(description="basket")
    def basket_guid(self, order) -> str:
        return basket_link(order.basket)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "hostname", "seen_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
