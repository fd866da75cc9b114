"""Records of completion: orders (accounts receivable) and worker heartbeats."""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baskets.admin.paging import CappedCountPaginator
from baskets.admin.privacy import PersonalDataAdminMixin
from baskets.admin.read_only import ReadOnlyModelAdmin
from baskets.exceptions import BasketError
from baskets.models import Invoice, Order, ReceivableOutcome
from baskets.selectors import accounts_receivable_open_q
from baskets.services.actors import Actor

from ..selectors import AGEING_LIST_LIMIT, receivables_ageing
from ..services.card_requests import order_card_request_send
from ..services.receivables import order_receivable_settle
from .daily_notification import daily_notification_send_view
from .triage import basket_link


class AccountsReceivableFilter(admin.SimpleListFilter):
    title = gettext_lazy("accounts receivable")
    parameter_name = "accounts_receivable"

    def lookups(self, request, model_admin):
        return (("yes", _("In accounts receivable")), ("no", _("Paid or settled")))

    def queryset(self, request, queryset):
        condition = accounts_receivable_open_q()
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


@admin.register(Order)
class OrderAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    """Orders made by completion; AB-5 failed charges wait here with their note."""

    list_display = (
        "number",
        "basket_guid",
        "total",
        "currency",
        "created_at",
        "accounts_receivable_at",
        "accounts_receivable_note",
        "accounts_receivable_outcome",
    )
    list_filter = (AccountsReceivableFilter,)
    list_select_related = ("basket",)
    search_fields = ("=number",)
    search_help_text = gettext_lazy("An order number or a basket GUID (exact).")
    actions = ("record_payment_received", "record_written_off", "request_new_card")
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
        "accounts_receivable_settled_at",
        "accounts_receivable_outcome",
    )

    def get_search_results(self, request, queryset, search_term):
        """An order number, or the GUID of the order's basket."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(basket__guid=uuid.UUID(term)), False
        except ValueError:
            return queryset.filter(number=term), False

    def _settle(self, request, queryset, outcome: ReceivableOutcome, action: str):
        """Ask for the reason, then settle each selected order through the service."""
        reason = request.POST.get("reason", "").strip()
        if not reason:
            return TemplateResponse(
                request,
                "admin/completion/order/settle_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Accounts receivable: %(outcome)s")
                    % {"outcome": str(outcome.label).lower()},
                    "orders": queryset.order_by("pk")[:200],
                    "action": action,
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                    "asked": request.POST.get("asked") == "yes",
                    "opts": self.model._meta,
                },
            )
        actor = Actor.staff(request.user)
        done = 0
        for order_id, number in queryset.values_list("pk", "number").order_by("pk"):
            try:
                done += order_receivable_settle(
                    order_id=order_id, outcome=outcome, reason=reason, actor=actor
                )
            except BasketError as error:
                self.message_user(
                    request,
                    _("Refused %(order)s: %(why)s") % {"order": number, "why": error.message},
                    messages.ERROR,
                )
        if done:
            self.message_user(
                request,
                _("%(outcome)s: %(count)s order(s).") % {"outcome": outcome.label, "count": done},
                messages.SUCCESS,
            )
        return None

    @admin.action(
        permissions=["change"], description=gettext_lazy("Accounts receivable: payment received")
    )
    def record_payment_received(self, request, queryset):
        return self._settle(
            request, queryset, ReceivableOutcome.PAYMENT_RECEIVED, "record_payment_received"
        )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Accounts receivable: write off")
    )
    def record_written_off(self, request, queryset):
        return self._settle(request, queryset, ReceivableOutcome.WRITTEN_OFF, "record_written_off")

    def get_urls(self):
        receivables = path(
            "receivables/",
            self.admin_site.admin_view(self.receivables_view),
            name="baskets_order_receivables",
        )
        # LC-5: the daily staff e-mail sent now (``daily_notification.py``).
        daily_notification = path(
            "daily-notification/",
            self.admin_site.admin_view(daily_notification_send_view),
            name="baskets_daily_notification_send",
        )
        return [receivables, daily_notification, *super().get_urls()]

    def receivables_view(self, request):
        """Seed 004: unpaid orders in accounts receivable by age, totals per currency."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/completion/order/receivables.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Accounts receivable by age"),
                "ageing": receivables_ageing(),
                "limit": AGEING_LIST_LIMIT,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        permissions=["change"], description=gettext_lazy("Accounts receivable: ask for a new card")
    )
    def request_new_card(self, request, queryset):
        """Seed 004: mail each selected order's customer for a new card (in the timeline)."""
        actor = Actor.staff(request.user)
        sent = 0
        for order_id, number in queryset.values_list("pk", "number").order_by("pk"):
            try:
                order_card_request_send(order_id=order_id, actor=actor)
            except BasketError as error:
                self.message_user(
                    request,
                    _("Refused %(order)s: %(why)s") % {"order": number, "why": error.message},
                    messages.ERROR,
                )
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                _("New card asked for: %(count)s order(s).") % {"count": sent},
                messages.SUCCESS,
            )

    @admin.display(description=gettext_lazy("basket"))
    def basket_guid(self, order) -> str:
        return basket_link(order.basket)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(PersonalDataAdminMixin, ReadOnlyModelAdmin):
    """Invoices made by completion, one per order; read-only."""

    list_display = ("number", "order", "amount", "currency", "created_at")
    list_select_related = ("order",)
    search_fields = ("=number", "=order__number")
    paginator = CappedCountPaginator
    show_full_result_count = False
    readonly_fields = ("order", "number", "amount", "currency", "created_at")
