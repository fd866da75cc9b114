from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ..models import Basket, CustomerAccount, Salesperson, ShopAccount

# The newest baskets a shop-account or customer-account page lists; the rest are one click
# away in the grid, filtered to the account.
PARTY_BASKETS_SHOWN = 20


def party_baskets(baskets, grid_query: dict) -> str:
    """The newest of ``baskets`` (GUID link, status, created, total) and a link to all of
    them in the grid."""
    newest = list(
        baskets.order_by("-created_at", "-id").only(
            "id", "guid", "status", "created_at", "total", "currency"
        )[:PARTY_BASKETS_SHOWN]
    )
    if not newest:
        return "No baskets."
    rows = format_html_join(
        "",
        '<li><a href="{}">{}</a> {} · {} · {} {}</li>',
        (
            (
                reverse("admin:baskets_basket_change", args=[basket.pk]),
                basket.guid,
                basket.get_status_display(),
                f"{timezone.localtime(basket.created_at):%Y-%m-%d %H:%M}",
                basket.total,
                basket.currency,
            )
            for basket in newest
        ),
    )
    grid = reverse("admin:baskets_basket_changelist")
    query = urlencode({"scope": "all", **grid_query})
    return format_html(
        '<ul class="party-baskets">{}</ul><a href="{}?{}">All baskets in the grid</a>',
        rows,
        grid,
        query,
    )


@admin.register(ShopAccount)
class ShopAccountAdmin(admin.ModelAdmin):
    """BM-4: only roles with the shop account permissions (System administrator) see this."""

    list_display = ("name", "email", "guid", "customer_account", "created_at")
    list_select_related = ("customer_account",)
    search_fields = ("name", "=email", "=customer_account__erp_account_id")
    raw_id_fields = ("user", "customer_account")
    readonly_fields = ("guid", "created_at", "baskets")

    @admin.display(description="baskets")
    def baskets(self, account: ShopAccount) -> str:
        """Seed 001: the caller's baskets from their account's page."""
        if account.pk is None:
            return ""
        return party_baskets(
            Basket.objects.filter(shop_account=account), {"shop_account_id": account.guid}
        )


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin):
    list_display = ("erp_account_id", "name", "email", "purchaser_type", "is_prospect")
    list_filter = ("purchaser_type", "is_prospect")
    search_fields = ("=erp_account_id", "name")
    readonly_fields = ("baskets",)

    @admin.display(description="baskets")
    def baskets(self, customer: CustomerAccount) -> str:
        """The ERP account's baskets, whichever of its logins made them."""
        if customer.pk is None:
            return ""
        return party_baskets(
            Basket.objects.filter(customer_account=customer),
            {"account_id": customer.erp_account_id},
        )


@admin.register(Salesperson)
class SalespersonAdmin(admin.ModelAdmin):
    list_display = ("shop_account", "selected_customer")
    list_select_related = ("shop_account", "selected_customer")
    raw_id_fields = ("shop_account", "selected_customer")
    filter_horizontal = ("related_customers",)
