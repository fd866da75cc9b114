"""Completion in the back office: triage of failures, baskets in completion, reconciliation,
orders in accounts receivable, abandonments, worker heartbeats."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from baskets.admin.actions import decide_with_reason
from baskets.admin.paging import CappedCountPaginator
from baskets.models import Order, Status
from baskets.services.actors import Actor

from .models import (
    Abandonment,
    AbandonReport,
    BasketInCompletion,
    CompletionFailedBasket,
    ReportSchedule,
    ReportStatus,
    UnreconciledBasket,
    WorkerHeartbeat,
)
from .selectors import abandonment_stats
from .services.reports import ReportRangeError, abandon_report_request, report_range_check
from .services.triage import completion_failure_close, completion_requeue


def basket_link(basket) -> str:
    url = reverse("admin:baskets_basket_change", args=[basket.pk])
    return format_html('<a href="{}">{}</a>', url, basket.guid)


class ReadOnlyBasketView(admin.ModelAdmin):
    """A filtered, read-only list of baskets; changes happen through actions only."""

    list_per_page = 100
    list_display_links = None
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="basket")
    def basket(self, basket) -> str:
        return basket_link(basket)


@admin.register(CompletionFailedBasket)
class CompletionFailedAdmin(ReadOnlyBasketView):
    """CB-4 triage: failures grouped by error; requeue (fresh attempts) or close, with a reason."""

    list_display = (
        "basket",
        "last_error",
        "completion_attempts",
        "last_attempt_at",
        "total",
        "currency",
        "purchaser_label",
    )
    list_filter = ("last_error",)
    search_fields = ("last_error",)
    actions = ("requeue", "close")
    change_list_template = "admin/completion/completionfailedbasket/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=Status.COMPLETION_FAILED, closure__isnull=True)
            .order_by("-last_attempt_at", "-id")
        )

    def changelist_view(self, request, extra_context=None):
        groups = (
            self.get_queryset(request)
            .order_by()
            .values("last_error")
            .annotate(baskets=Count("id"))
            .order_by("-baskets")[:20]
        )
        return super().changelist_view(request, {**(extra_context or {}), "error_groups": groups})

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("baskets.change_basket")

    @admin.action(permissions=["change"], description="Requeue for completion (fresh attempts)")
    def requeue(self, request, queryset):
        return decide_with_reason(
            self,
            request,
            queryset,
            action="requeue",
            title="Requeue baskets",
            question="Give these baskets a fresh set of completion attempts?",
            verb="Requeued",
            call=completion_requeue,
        )

    @admin.action(permissions=["change"], description="Close (handled by hand)")
    def close(self, request, queryset):
        return decide_with_reason(
            self,
            request,
            queryset,
            action="close",
            title="Close baskets",
            question="Close these baskets? No automatic run will touch them again.",
            verb="Closed",
            call=completion_failure_close,
        )


@admin.register(BasketInCompletion)
class BasketInCompletionAdmin(ReadOnlyBasketView):
    """Baskets waiting for completion or failed: attempts, last error, next run."""

    list_display = (
        "basket",
        "status",
        "completion_attempts",
        "last_error",
        "last_attempt_at",
        "next_run",
        "paid_at",
        "total",
    )
    list_filter = ("status",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[Status.AWAITING_COMPLETION, Status.COMPLETION_FAILED])
            .order_by("paid_at", "id")
        )

    @admin.display(description="next run")
    def next_run(self, basket) -> str:
        if basket.status == Status.COMPLETION_FAILED:
            return "never (requeue to retry)"
        now = timezone.now()
        lease = basket.completion_lease_until
        if lease is not None and lease > now:
            return f"being completed (lease until {timezone.localtime(lease):%H:%M:%S})"
        interval = int(settings.COMPLETION_INTERVAL.total_seconds())
        return f"next scheduled run (every {interval} s)"


@admin.register(UnreconciledBasket)
class UnreconciledBasketAdmin(ReadOnlyBasketView):
    """Paid baskets that still have no order after RECONCILE_AFTER: match with the provider."""

    list_display = (
        "basket",
        "status",
        "paid_at",
        "payment_reference",
        "masked_card_number",
        "total",
        "currency",
        "completion_attempts",
        "last_error",
    )

    def get_queryset(self, request):
        cutoff = timezone.now() - settings.RECONCILE_AFTER
        return (
            super()
            .get_queryset(request)
            .filter(paid_at__lt=cutoff, order__isnull=True)
            .order_by("paid_at", "id")
        )


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


@admin.register(Abandonment)
class AbandonmentAdmin(admin.ModelAdmin):
    list_display = (
        "basket_guid",
        "captured_at",
        "last_activity_at",
        "shop_account_email",
        "total",
        "currency",
        "recovered_at",
    )
    list_filter = ("recovered_at",)
    date_hierarchy = "captured_at"
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/completion/abandonment/change_list.html"

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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "hostname", "seen_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Abandon reports (AB-3): generate, follow progress, pick up ------------------------------
class AbandonReportForm(forms.ModelForm):
    date_from = forms.DateField(
        label="From",
        input_formats=["%m/%d/%Y"],
        widget=forms.TextInput(attrs={"placeholder": "MM/DD/YYYY"}),
        error_messages={"invalid": "Enter the date as MM/DD/YYYY."},
    )
    date_to = forms.DateField(
        label="To",
        input_formats=["%m/%d/%Y"],
        widget=forms.TextInput(attrs={"placeholder": "MM/DD/YYYY"}),
        error_messages={"invalid": "Enter the date as MM/DD/YYYY."},
    )

    class Meta:
        model = AbandonReport
        fields = ("date_from", "date_to")

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            try:
                report_range_check(date_from, date_to)
            except ReportRangeError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned


@admin.register(AbandonReport)
class AbandonReportAdmin(admin.ModelAdmin):
    """The report pickup area: each report's state and progress, and its download."""

    form = AbandonReportForm
    list_display = (
        "__str__",
        "status",
        "progress_bar",
        "rows_written",
        "requested_by",
        "requested_at",
        "finished_at",
        "download",
    )
    list_filter = ("status",)
    list_select_related = ("requested_by",)
    readonly_fields = (
        "date_from",
        "date_to",
        "status",
        "progress_bar",
        "rows_written",
        "requested_by",
        "schedule",
        "requested_at",
        "started_at",
        "finished_at",
        "error",
        "download",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("date_from", "date_to")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description="progress")
    def progress_bar(self, report) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}%', report.progress, report.progress
        )

    @admin.display(description="download")
    def download(self, report) -> str:
        if report.status != ReportStatus.DONE or not report.file:
            return "—"
        url = reverse("admin:completion_abandonreport_download", args=[report.pk])
        return format_html('<a href="{}" class="report-download">Download</a>', url)

    def save_model(self, request, obj, form, change):
        created = abandon_report_request(
            actor=Actor.staff(request.user), date_from=obj.date_from, date_to=obj.date_to
        )
        obj.pk = created.pk

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            f"{obj} is being generated in the background; download it here when it is ready.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:completion_abandonreport_changelist"))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        download = path(
            "<int:report_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="completion_abandonreport_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, report_id: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = AbandonReport.objects.filter(pk=report_id, status=ReportStatus.DONE).first()
        if report is None or not report.file:
            self.message_user(
                request, "That report is not ready or does not exist.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:completion_abandonreport_changelist"))
        return FileResponse(
            report.file.open("rb"), as_attachment=True, filename=Path(report.file.name).name
        )


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "frequency", "next_run_at", "active")
    list_filter = ("frequency", "active")
    exclude = ("created_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
