"""Captured abandonments (AB-1), with the rates and most abandoned products (AB-6)."""

from django.contrib import admin

from baskets.access import personal_data_visible
from baskets.admin.paging import CappedCountPaginator

from ..models import Abandonment
from ..selectors import abandonment_stats


@admin.register(Abandonment)
class AbandonmentAdmin(admin.ModelAdmin):
    list_display = (
        "basket_guid",
        "captured_at",
        "last_activity_at",
        "shop_account_email",
        "total",
        "currency",
        "reminded_at",
        "recovered_at",
    )
    list_filter = ("recovered_at", "reminded_at")
    date_hierarchy = "captured_at"
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/abandonment/abandonment/change_list.html"

    def get_list_display(self, request):
        """AC-1: the shopper's e-mail only for users who may see personal data."""
        if personal_data_visible(request.user):
            return self.list_display
        return tuple(name for name in self.list_display if name != "shop_account_email")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if personal_data_visible(request.user):
            return fields
        return [name for name in fields if name != "shop_account_email"]

    def changelist_view(self, request, extra_context=None):
        """AB-6: abandonment and recovery rates and the most abandoned products, for the
        abandonments the list shows."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["stats"] = abandonment_stats(changelist.queryset)
        return response

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
