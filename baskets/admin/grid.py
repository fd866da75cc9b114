"""The baskets grid (CB-1, BM-3), staff actions; the basket page is ``detail.py`` (CB-2)."""

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from basketops.reads import reading_alias

from ..access import personal_data_visible
from ..models import Basket, BasketEvent, BulkJobAction, Status
from ..personal_data import reads
from ..search import SearchKind, TooManyAccounts, basket_search_decide, basket_search_q
from ..selectors import basket_grid_list, basket_list, locked_cart_answer
from ..services.actors import Actor
from ..services.staff import basket_delete, manage_booking_refusal
from .actions import bulk_action_apply, decide_with_reason
from .bulk_jobs import bulk_job_view
from .columns import GridColumnsAdminMixin
from .detail import BasketDetailMixin, TimelineDisplay
from .export import basket_export_view
from .filtering import BasketFilterSetFilter
from .funnel import FunnelAdminMixin
from .line_edits import LineEditAdminMixin
from .locked import (
    LOCKED_CART_ACTIONS,
    LOCKED_CART_COLUMNS,
    PROVIDER_ANSWER,
    LockedCartAdminMixin,
    LockedCartFilter,
)
from .paging import CappedCountPaginator
from .privacy import PersonalDataAdminMixin, shown_fields
from .read_only import ReadOnlyModelAdmin


class BasketGridChangeList(ChangeList):
    """The grid's changelist (CB-1): its rows hold the grid's columns only; showing them
    (GET) reads the replica while it is recent (SC-5), an action (POST) the primary."""

    def get_queryset(self, request, exclude_parameters=None):
        rows = basket_grid_list()
        if request.method in ("GET", "HEAD"):
            rows = rows.using(reading_alias())
            if request.GET.get(LockedCartFilter.parameter_name) == "locked":
                # LC-3: the provider's answer beside each locked cart, in the same query.
                rows = rows.annotate(**{PROVIDER_ANSWER: locked_cart_answer()})
        self.root_queryset = rows
        return super().get_queryset(request, exclude_parameters)


# The grid row button's field: which basket's manage-booking step to complete (CB-5).
MANAGE_BOOKING_PARAMETER = "manage_booking_basket"


@admin.register(Basket)
class BasketAdmin(
    PersonalDataAdminMixin,
    BasketDetailMixin,
    LockedCartAdminMixin,
    LineEditAdminMixin,
    FunnelAdminMixin,
    GridColumnsAdminMixin,
    admin.ModelAdmin,
):
    # Status, stage and total (with its currency) first, so they stay on screen at 1440 px
    # (CB-1); the rest scroll inside the table's box and are all on the basket page.
    list_display = (
        "guid",
        "status",
        "stage",
        "total",
        "manage_booking",
        "creator",
        "booking_id",
        "billing_object",
        "purchaser_label",
        "purchaser_type",
        "purchaser_id",
        "booked_user_id",
        "account_type",
        "created_at",
        "modified_at",
    )
    # Seed 001's identity columns; AC-1 (``baskets.personal_data``) decides who sees each.
    identity_columns = ("shop_account_email", "account_id", "customer_name", "customer_email")
    list_display_links = ("guid",)
    # Django skips select_related for nullable foreign keys unless told: without this a
    # page makes one query per row.
    list_select_related = ("shop_account", "customer_account", "salesperson__shop_account")
    list_filter = (BasketFilterSetFilter, LockedCartFilter)
    search_fields = ("guid",)
    search_help_text = _("A basket GUID, an e-mail, a name or part of one, or an ERP account ID.")
    list_per_page = 100
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    ordering = ("-created_at", "-id")
    sortable_by = ("created_at", "modified_at", "total")
    actions = (
        "complete_manage_booking",
        "flag_additional_information",
        "delete_baskets",
        *LOCKED_CART_ACTIONS,
    )
    change_list_template = "admin/baskets/basket/change_list.html"

    # --- grid ---------------------------------------------------------------------------
    def get_changelist_kwargs(self, request):
        kwargs = super().get_changelist_kwargs(request)
        if not personal_data_visible(request.user):
            kwargs["search_help_text"] = (
                "A basket GUID, a whole e-mail, a whole name, or an ERP account ID."
            )
        return kwargs

    def get_queryset(self, request: HttpRequest) -> QuerySet[Basket]:
        """Every basket with all its columns: the basket page, its actions and views."""
        return basket_list()

    def get_changelist(self, request, **kwargs):
        """The grid and what it drives (its actions, the export) read the grid's rows."""
        return BasketGridChangeList

    def get_list_display(self, request):
        # The staff member's own columns (``columns.py``), the key ones first.
        columns = self.grid_columns(request)
        if request.GET.get(LockedCartFilter.parameter_name) == "locked":
            # LC-3: what staff match against the payment provider, beside the status.
            at = columns.index("total") + 1
            columns[at:at] = LOCKED_CART_COLUMNS
        return self.names_visible(request, columns)

    def changelist_view(self, request, extra_context=None):
        chooser = self.column_chooser(request, self.grid_columns(request))
        return super().changelist_view(
            request, {**(extra_context or {}), "column_chooser": chooser}
        )

    @admin.display(description=_("creator"))
    @reads("shop_account", "salesperson")
    def creator(self, basket: Basket) -> str:
        """The login that made the basket: the shopper's own, else the salesperson's."""
        account = basket.shop_account
        if account is None and basket.salesperson_id is not None:
            account = basket.salesperson.shop_account
        if account is None:
            return "" if basket.purchaser_label else _("(anonymous)")
        return account.name

    # shop_account_email: BasketDetailMixin's, the same on the page and in the grid.

    @admin.display(description=_("ERP account ID"))
    @reads("customer_account__erp_account_id")
    def account_id(self, basket: Basket) -> str:
        customer = basket.customer_account
        return customer.erp_account_id if customer is not None else ""

    @admin.display(description=_("customer name"))
    @reads("customer_account__name")
    def customer_name(self, basket: Basket) -> str:
        customer = basket.customer_account
        return customer.name if customer is not None else ""

    @admin.display(description=_("customer e-mail"))
    @reads("customer_account__email")
    def customer_email(self, basket: Basket) -> str:
        customer = basket.customer_account
        return customer.email if customer is not None else ""

    @admin.display(description=_("manage booking"))
    def manage_booking(self, basket: Basket):
        """CB-5: done, or the per-row action, greyed (disabled) where the basket refuses it."""
        return self.prepare_manage_booking()(basket)

    def prepare_manage_booking(self) -> Callable[[Basket], SafeString]:
        """The manage booking cell for a whole grid page: its URL reversed once, not per row
        (``baskets.admin.rows`` calls this once per page)."""
        opening = format_html(
            '<button type="submit" class="manage-booking-step" name="{}" value="',
            MANAGE_BOOKING_PARAMETER,
        )
        formaction = escape(reverse("admin:baskets_basket_manage_booking"))
        button = escape(_("Complete manage step"))
        done = format_html('<span class="manage-booking-done">{}</span> ', _("Done"))
        offered = escape(_("Complete the manage booking step and move on to Payment"))

        # A handful of distinct refusals on a page: each escaped once.
        titles = {"": offered}

        def cell(basket: Basket) -> SafeString:
            refusal = manage_booking_refusal(basket)
            title = titles.get(refusal)
            if title is None:
                title = titles[refusal] = escape(refusal)
            # Every part above is escaped; the primary key is an integer.
            return mark_safe(  # noqa: S308
                f"{done if basket.manage_booking_completed_at is not None else ''}"
                f'{opening}{basket.pk:d}" formaction="{formaction}" '
                f'title="{title}"{" disabled" if refusal else ""}>{button}</button>'
            )

        return cell

    def get_search_results(self, request, queryset, search_term):
        """A basket GUID, an exact e-mail, a name or an ERP account ID (``baskets.search``):
        a fragment of a name for those who may see personal data, a whole name otherwise."""
        personal = personal_data_visible(request.user)
        decision = basket_search_decide(search_term, personal_data=personal)
        if decision.kind is SearchKind.REFUSED:
            messages.error(request, decision.refusal)
            return queryset.none(), False
        try:
            return queryset.filter(basket_search_q(decision, personal_data=personal)), False
        except TooManyAccounts as error:
            messages.error(request, str(error))
            return queryset.none(), False

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
    @admin.action(permissions=["change"], description=_("Complete manage booking step"))
    def complete_manage_booking(self, request, queryset):
        return bulk_action_apply(
            self, request, queryset, kind=BulkJobAction.COMPLETE_MANAGE_BOOKING
        )

    @admin.action(permissions=["change"], description=_("Flag additional information supplied"))
    def flag_additional_information(self, request, queryset):
        return bulk_action_apply(
            self, request, queryset, kind=BulkJobAction.FLAG_ADDITIONAL_INFORMATION
        )

    @admin.action(permissions=["delete"], description=_("Delete selected baskets"))
    def delete_baskets(self, request, queryset):
        # BM-1: confirmed with a reason (kept in each timeline), the deletion runs as a
        # background job (bulk_jobs.py).
        return decide_with_reason(
            self,
            request,
            queryset,
            action="delete_baskets",
            title=_("Delete baskets"),
            question=_("Delete these baskets? Paid and completed baskets are kept."),
            kind=BulkJobAction.DELETE,
        )

    # --- export -------------------------------------------------------------------------
    def get_urls(self):
        urls = super().get_urls()
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="baskets_basket_export",
        )
        manage_booking = path(
            "manage-booking/",
            self.admin_site.admin_view(self.manage_booking_view),
            name="baskets_basket_manage_booking",
        )
        bulk_job = path(
            "jobs/<int:job_id>/",
            self.admin_site.admin_view(
                lambda request, job_id: bulk_job_view(self, request, job_id)
            ),
            name="baskets_basket_bulk_job",
        )
        return [
            export,
            manage_booking,
            bulk_job,
            *self.column_urls(),
            *self.line_edit_urls(),
            *self.funnel_urls(),
            *urls,
        ]

    def manage_booking_view(self, request):
        """CB-5 from a row's button: the same action for that one basket, back to the grid."""
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            basket_id = int(request.POST.get(MANAGE_BOOKING_PARAMETER, ""))
        except ValueError:
            basket_id = None
        queryset = Basket.objects.filter(pk=basket_id)
        if basket_id is None or not queryset.exists():
            refusal = gettext("No such basket; nothing was changed.")
            self.message_user(request, refusal, messages.ERROR)
        else:
            self.complete_manage_booking(request, queryset)
        # Back to the grid page the button was on, filters and all.
        back = request.headers.get("Referer", "")
        grid = reverse("admin:baskets_basket_changelist")
        if (
            not url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            or urlsplit(back).path != grid
        ):
            back = grid
        return HttpResponseRedirect(back)

    def export_view(self, request):
        return basket_export_view(self, request)


@admin.register(BasketEvent)
class BasketEventAdmin(PersonalDataAdminMixin, TimelineDisplay, ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "basket_guid",
        "action",
        "status_change",
        "actor_label",
        "reason",
    )
    list_filter = ("action",)
    search_fields = ("basket_guid",)
    search_help_text = _("A basket GUID.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 100

    def get_list_display(self, request):
        return self.timeline_fields(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        """The entry's page: the same AC-1 rule as the basket page's timeline."""
        names = [field.name for field in self.model._meta.fields if field.name != "payload"]
        return self.timeline_fields(request, [*shown_fields(self, request, names), "details"])

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(basket_guid=uuid.UUID(term)), False
        except ValueError:
            messages.error(request, f"“{term}” is not a valid GUID.")
            return queryset.none(), False
