"""The baskets grid (CB-1, BM-3), a basket's items and timeline (CB-2), staff actions."""

import uuid

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html

from ..access import personal_data_visible
from ..models import Basket, BasketEvent, CustomerAccount, Line, ShopAccount, Status
from ..selectors import basket_grid_list, basket_list
from ..services.actors import Actor
from ..services.staff import (
    basket_complete_manage_booking,
    basket_delete,
    basket_flag_additional_information,
)
from .actions import decide_with_reason, run_for_each
from .export import basket_export_view
from .filtering import BasketFilterSetFilter
from .locked import LOCKED_CART_ACTIONS, LockedCartAdminMixin, LockedCartFilter
from .paging import CappedCountPaginator


class LineInline(admin.TabularInline):
    model = Line
    extra = 0
    can_delete = False
    fields = (
        "kind",
        "product_id",
        "variant_id",
        "quantity",
        "unit_of_measure_id",
        "unit_price",
        "booked_user_id",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = BasketEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor_label", "reason")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Basket)
class BasketAdmin(LockedCartAdminMixin, admin.ModelAdmin):
    list_display = (
        "guid",
        "creator",
        "booking_id",
        "billing_object",
        "purchaser_label",
        "purchaser_type",
        "purchaser_id",
        "booked_user_id",
        "account_type",
        "status",
        "stage",
        "created_at",
        "modified_at",
        "total",
    )
    list_display_links = ("guid",)
    # Django skips select_related for nullable foreign keys unless told: without this a
    # page makes one query per row.
    list_select_related = ("shop_account",)
    list_filter = (BasketFilterSetFilter, LockedCartFilter)
    search_fields = ("guid",)
    search_help_text = "A basket GUID, a shop account e-mail, or an ERP account ID."
    list_per_page = 100
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-created_at", "-id")
    sortable_by = ("created_at", "modified_at", "total")
    inlines = (LineInline, EventInline)
    actions = (
        "complete_manage_booking",
        "flag_additional_information",
        "delete_baskets",
        *LOCKED_CART_ACTIONS,
    )
    change_list_template = "admin/baskets/basket/change_list.html"

    # AC-1: columns and detail fields holding shop-account personal data.
    PERSONAL_COLUMNS = ("creator", "purchaser_label")
    PERSONAL_FIELDS = ("purchaser_label", "payment_address", "delivery_address", "user_values")

    # --- grid ---------------------------------------------------------------------------
    def get_list_display(self, request):
        if personal_data_visible(request.user):
            return self.list_display
        return tuple(name for name in self.list_display if name not in self.PERSONAL_COLUMNS)

    def get_changelist_kwargs(self, request):
        kwargs = super().get_changelist_kwargs(request)
        if not personal_data_visible(request.user):
            kwargs["search_help_text"] = "A basket GUID or an ERP account ID."
        return kwargs

    def get_queryset(self, request: HttpRequest) -> QuerySet[Basket]:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "baskets_basket_changelist":
            return basket_grid_list()
        return basket_list()

    @admin.display(description="creator")
    def creator(self, basket: Basket) -> str:
        account = basket.shop_account
        if account is None:
            return "" if basket.purchaser_label else "(anonymous)"
        return account.name

    def get_search_results(self, request, queryset, search_term):
        """Exact, indexed matches only: a GUID, an e-mail, or an ERP account ID."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            guid = uuid.UUID(term)
        except ValueError:
            guid = None
        # The account is looked up first, so each condition is one indexed lookup on the
        # baskets table (an OR across the join would scan every basket).
        private = personal_data_visible(request.user)
        if guid is not None:
            if not private:
                return queryset.filter(guid=guid), False
            accounts = ShopAccount.objects.filter(guid=guid).values_list("pk", flat=True)
            return queryset.filter(Q(guid=guid) | Q(shop_account_id__in=list(accounts))), False
        if "@" in term and not private:
            # AC-1: an e-mail search would tell whose baskets these are.
            messages.error(request, "You may not search baskets by shop-account e-mail.")
            return queryset.none(), False
        if "@" in term:
            accounts = ShopAccount.objects.filter(email__iexact=term).values_list("pk", flat=True)
            return queryset.filter(shop_account_id__in=list(accounts)), False
        if "-" in term and len(term) >= 32:
            messages.error(request, f"“{term}” is not a valid GUID.")
            return queryset.none(), False
        customers = CustomerAccount.objects.filter(erp_account_id=term).values_list("pk", flat=True)
        return queryset.filter(customer_account_id__in=list(customers)), False

    # --- detail -------------------------------------------------------------------------
    @staticmethod
    def _shop_account_field(request) -> str:
        """BM-5, AC-1: only users who may see shop accounts get the link and the name."""
        if personal_data_visible(request.user):
            return "shop_account_link"
        return "shop_account_presence"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Basket._meta.fields] + [self._shop_account_field(request)]

    def get_fields(self, request, obj=None):
        hidden = {"id", "shop_account"}
        if not personal_data_visible(request.user):
            hidden |= set(self.PERSONAL_FIELDS)
        fields = [f.name for f in Basket._meta.fields if f.name not in hidden]
        return [self._shop_account_field(request), *fields]

    @admin.display(description="shop account")
    def shop_account_link(self, basket: Basket) -> str:
        """BM-5: "View shop account" only when the account exists."""
        account = basket.shop_account
        if account is None:
            return "(anonymous or deleted)"
        url = reverse("admin:baskets_shopaccount_change", args=[account.pk])
        return format_html('<a href="{}">View shop account: {}</a>', url, account.name)

    @admin.display(description="shop account")
    def shop_account_presence(self, basket: Basket) -> str:
        return "(anonymous or deleted)" if basket.shop_account_id is None else "(a shop account)"

    def has_add_permission(self, request) -> bool:
        # Baskets are made by shoppers and storefronts, never in the back office.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status not in {Status.ACTIVE, Status.LOCKED}:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj) -> None:
        basket_delete(basket_id=obj.pk, actor=Actor.staff(request.user), reason="Deleted in admin")

    def delete_queryset(self, request, queryset) -> None:
        for basket_id in queryset.values_list("pk", flat=True):
            basket_delete(
                basket_id=basket_id, actor=Actor.staff(request.user), reason="Deleted in admin"
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- actions ------------------------------------------------------------------------
    @admin.action(permissions=["change"], description="Complete manage booking step")
    def complete_manage_booking(self, request, queryset):
        actor = Actor.staff(request.user)
        run_for_each(
            self,
            request,
            queryset,
            verb="Manage booking step completed",
            call=lambda pk: basket_complete_manage_booking(basket_id=pk, actor=actor)[1],
        )

    @admin.action(permissions=["change"], description="Flag additional information supplied")
    def flag_additional_information(self, request, queryset):
        actor = Actor.staff(request.user)
        run_for_each(
            self,
            request,
            queryset,
            verb="Flagged additional information supplied",
            call=lambda pk: basket_flag_additional_information(basket_id=pk, actor=actor)[1],
        )

    @admin.action(permissions=["delete"], description="Delete selected baskets")
    def delete_baskets(self, request, queryset):
        def delete(*, basket_id: int, actor: Actor, reason: str) -> bool:
            basket_delete(basket_id=basket_id, actor=actor, reason=reason)
            return True

        return decide_with_reason(
            self,
            request,
            queryset,
            action="delete_baskets",
            title="Delete baskets",
            question="Delete these baskets? Paid and completed baskets are kept.",
            verb="Deleted",
            call=delete,
            reason_required=False,
            default_reason="Deleted in admin",
        )

    # --- export -------------------------------------------------------------------------
    def get_urls(self):
        urls = super().get_urls()
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="baskets_basket_export",
        )
        return [export, *urls]

    def export_view(self, request):
        return basket_export_view(self, request)


@admin.register(BasketEvent)
class BasketEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "basket_guid",
        "action",
        "from_status",
        "to_status",
        "actor_label",
        "reason",
    )
    list_filter = ("action",)
    search_fields = ("basket_guid",)
    search_help_text = "A basket GUID."
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(basket_guid=uuid.UUID(term)), False
        except ValueError:
            messages.error(request, f"“{term}” is not a valid GUID.")
            return queryset.none(), False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
