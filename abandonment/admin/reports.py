"""Abandon reports (AB-3): generate, follow progress, pick up."""

from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baskets.access import personal_data_visible
from baskets.filters import DateEntryField
from baskets.services.actors import Actor

from ..models import (
    AbandonReport,
    ReportSchedule,
    ReportStatus,
)
from ..selectors import abandon_reports_visible
from ..services.reports import (
    ReportRangeError,
    abandon_report_request,
    report_range_check,
    schedule_first_run,
)


class AbandonReportForm(forms.ModelForm):
    date_from = DateEntryField(label=gettext_lazy("From"))
    date_to = DateEntryField(label=gettext_lazy("To"))

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
    add_form_template = "admin/abandonment/abandonreport/add_form.html"
    list_display = (
        "__str__",
        "status",
        # Before the dates, so it is on screen at 1440 px.
        "download",
        "progress_bar",
        "rows_written",
        "requested_by",
        "requested_at",
        "finished_at",
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

    def get_queryset(self, request):
        """AB-3: only the requester's reports (and those mailed to them); administrators
        see all. Any other report is a 404, not a hint that it exists."""
        return abandon_reports_visible(request.user).select_related("requested_by")

    def _visible_or_404(self, request, object_id) -> None:
        # AC-1: a role without the page is refused (403) before any report is looked up.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            report_id = int(object_id)
        except (TypeError, ValueError):
            raise Http404(_("No such report.")) from None
        if not self.get_queryset(request).filter(pk=report_id).exists():
            raise Http404(_("No such report."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # The list reloads itself while one of the reports it shows is still being made.
        running = self.get_queryset(request).filter(
            status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING)
        )
        return super().changelist_view(
            request, {**(extra_context or {}), "running": running.exists()}
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("date_from", "date_to")
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description=gettext_lazy("progress"))
    def progress_bar(self, report) -> str:
        return format_html(
            '<progress max="100" value="{}"></progress> {}%', report.progress, report.progress
        )

    @admin.display(description=gettext_lazy("download"))
    def download(self, report) -> str:
        if report.status != ReportStatus.DONE or not report.file:
            return "—"
        url = reverse("admin:abandonment_abandonreport_download", args=[report.pk])
        return format_html('<a href="{}" class="report-download">{}</a>', url, _("Download"))

    def save_model(self, request, obj, form, change):
        created = abandon_report_request(
            actor=Actor.staff(request.user), date_from=obj.date_from, date_to=obj.date_to
        )
        obj.pk = created.pk

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("%(report)s is being generated in the background; download it here when it is ready.")
            % {"report": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:abandonment_abandonreport_changelist"))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        download = path(
            "<int:report_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="abandonment_abandonreport_download",
        )
        return [download, *super().get_urls()]

    def download_view(self, request, report_id: int):
        # AC-1: the spreadsheet holds shoppers' e-mail addresses.
        if not self.has_view_permission(request) or not personal_data_visible(request.user):
            raise PermissionDenied
        self._visible_or_404(request, report_id)
        report = self.get_queryset(request).filter(pk=report_id, status=ReportStatus.DONE).first()
        if report is None or not report.file:
            self.message_user(
                request, _("That report is not ready or does not exist."), messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:abandonment_abandonreport_changelist"))
        return FileResponse(
            report.file.open("rb"), as_attachment=True, filename=Path(report.file.name).name
        )


class ReportScheduleForm(forms.ModelForm):
    """ "Next run at" may be left empty (the first whole period's run is taken); a recipient
    without an e-mail address is refused with a message, never dropped."""

    class Meta:
        model = ReportSchedule
        fields = ("name", "recipients", "frequency", "next_run_at", "active")
        help_texts = {
            "next_run_at": gettext_lazy(
                "Empty: tomorrow (every day), next Monday (every week) or the 1st "
                "of next month (every month), at the daily e-mail hour."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_run_at"].required = False

    def clean_recipients(self):
        recipients = self.cleaned_data.get("recipients")
        without = sorted(user.get_username() for user in recipients or () if not user.email)
        if without:
            raise forms.ValidationError(
                _(
                    "No e-mail address for %(users)s: the report cannot be sent to them. Give "
                    "them an address under Users, or leave them out."
                )
                % {"users": ", ".join(without)}
            )
        return recipients

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("next_run_at") and cleaned.get("frequency"):
            cleaned["next_run_at"] = schedule_first_run(cleaned["frequency"])
            self.instance.next_run_at = cleaned["next_run_at"]
        return cleaned


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    """AB-3: reports made every day, week or calendar month and mailed to chosen staff."""

    form = ReportScheduleForm
    list_display = ("name", "frequency", "next_run_at", "active", "recipient_list")
    list_filter = ("frequency", "active")
    exclude = ("created_by",)
    filter_horizontal = ("recipients",)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("frequency", ReportSchedule.Frequency.WEEKLY)
        initial.setdefault("next_run_at", schedule_first_run(initial["frequency"]))
        return initial

    @admin.display(description=gettext_lazy("recipients"))
    def recipient_list(self, schedule) -> str:
        return ", ".join(user.get_username() for user in schedule.recipients.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("recipients")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
