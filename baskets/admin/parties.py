from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Basket, CustomerAccount, Salesperson, ShopAccount, Status

# The newest baskets a shop-account or customer-account page lists; the rest are one click
# away in the grid, filtered to the account.
PARTY_BASKETS_SHOWN = 20


def party_baskets(baskets, grid_query: dict, *, open_first: bool = False) -> str:
    """The newest of ``baskets`` (GUID link, status, created, total) and a link to all of
    them in the grid; with ``open_first``, those with no order yet before the completed."""
    if open_first:
        closed = Case(
            When(status=Status.COMPLETED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        baskets = baskets.alias(closed=closed).order_by("closed", "-created_at", "-id")
    else:
        baskets = baskets.order_by("-created_at", "-id")
    newest = list(
        baskets.only("id", "guid", "status", "created_at", "total", "currency")[
            :PARTY_BASKETS_SHOWN
        ]
    )
    if not newest:
        return _("No baskets.")
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
        '<ul class="party-baskets">{}</ul><a href="{}?{}">{}</a>',
        rows,
        grid,
        query,
        _("All baskets in the grid"),
    )


@admin.register(ShopAccount)
class ShopAccountAdmin(admin.ModelAdmin):
    """BM-4: only roles with the shop account permissions (System administrator) see this."""

    list_display = ("name", "email", "guid", "customer_account", "active", "created_at")
    list_select_related = ("customer_account",)
    list_filter = ("active",)
    search_fields = ("name", "=email", "=customer_account__erp_account_id")
    raw_id_fields = ("user", "customer_account")
    readonly_fields = ("guid", "created_at", "customer_accounts", "baskets")

    @admin.display(description=gettext_lazy("baskets (open first)"))
    def baskets(self, account: ShopAccount) -> str:
        """Seed 001, SH-1: the caller's baskets from their account's page, open ones first."""
        if account.pk is None:
            return ""
        return party_baskets(
            Basket.objects.filter(shop_account=account),
            {"shop_account_id": account.guid},
            open_first=True,
        )

    @admin.display(description=gettext_lazy("customer accounts"))
    def customer_accounts(self, account: ShopAccount) -> str:
        """SH-1: the customer account it belongs to and, for a salesperson, those it sells
        for (the selected one marked)."""
        rows = []
        if account.customer_account_id:
            rows.append((account.customer_account, _("its customer account")))
        salesperson = Salesperson.objects.filter(shop_account=account).first()
        if salesperson is not None:
            for customer in salesperson.related_customers.order_by("name"):
                selected = customer.pk == salesperson.selected_customer_id
                rows.append(
                    (customer, _("sells for it, selected now") if selected else _("sells for it"))
                )
        if not rows:
            return "—"
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> ({})</div>',
            (
                (reverse("admin:baskets_customeraccount_change", args=[c.pk]), str(c), role)
                for c, role in rows
            ),
        )


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin):
    list_display = ("erp_account_id", "name", "email", "purchaser_type", "is_prospect", "active")
    list_filter = ("purchaser_type", "is_prospect", "active")
    search_fields = ("=erp_account_id", "name")
    readonly_fields = ("baskets",)

    @admin.display(description=gettext_lazy("baskets"))
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
    list_display = ("shop_account", "selected_customer", "active")
    list_select_related = ("shop_account", "selected_customer")
    raw_id_fields = ("shop_account", "selected_customer")
    filter_horizontal = ("related_customers",)
