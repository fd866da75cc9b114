from django.contrib import admin

from ..models import CustomerAccount, Salesperson, ShopAccount


@admin.register(ShopAccount)
class ShopAccountAdmin(admin.ModelAdmin):
    """BM-4: only roles with the shop account permissions (System administrator) see this."""

    list_display = ("name", "email", "guid", "customer_account", "created_at")
    list_select_related = ("customer_account",)
    search_fields = ("name", "=email", "=customer_account__erp_account_id")
    raw_id_fields = ("user", "customer_account")
    readonly_fields = ("guid", "created_at")


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin):
    list_display = ("erp_account_id", "name", "email", "purchaser_type", "is_prospect")
    list_filter = ("purchaser_type", "is_prospect")
    search_fields = ("=erp_account_id", "name")


@admin.register(Salesperson)
class SalespersonAdmin(admin.ModelAdmin):
    list_display = ("shop_account", "selected_customer")
    list_select_related = ("shop_account", "selected_customer")
    raw_id_fields = ("shop_account", "selected_customer")
    filter_horizontal = ("related_customers",)
