"""AB-4 / PV-5: the reminder sequence's steps, edited by staff per language (English,
Danish, Dutch, German), with a live preview of the mail before anything is saved."""

import re
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import path
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..models import MailLanguage, ReminderSend, ReminderStep, ReminderStepText
from ..services.reminder_mail import VARIABLES, reminder_mail_preview, reminder_template_problems

_UNITS = {"day": "days", "hour": "hours", "minute": "minutes"}
_DELAY_PART = re.compile(r"(\d+)\s*(day|hour|minute)s?", re.IGNORECASE)
# The longest delay a step may have (a reminder later than this is no reminder).
MAX_DELAY = timedelta(days=30)


class DelayField(forms.DurationField):
    """ "2 hours", "1 day 6 hours", "90 minutes", or the admin's "1:30:00"."""

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if isinstance(text, str) and text and _DELAY_PART.search(text):
            if _DELAY_PART.sub("", text).replace(",", "").replace("and", "").strip():
                raise forms.ValidationError(_("Write the delay as e.g. “2 hours” or “1:30:00”."))
            parts: dict[str, int] = {}
            for amount, unit in _DELAY_PART.findall(text):
                key = _UNITS[unit.lower()]
                parts[key] = parts.get(key, 0) + int(amount)
            return timedelta(**parts)
        return super().to_python(value)


def _checked(value: str) -> str:
    problems = reminder_template_problems(value or "")
    if problems:
        raise forms.ValidationError(problems)
    return value


def _template_help() -> str:
    return _(
        "A Django template with these variables only: %(variables)s. The basket's lines and "
        "total, the recovery link, the shop's contact and the unsubscribe link are added to "
        "every mail."
    ) % {
        "variables": "; ".join(
            f"{{{{ {name} }}}}: {meaning}" for name, meaning in VARIABLES.items()
        )
    }


HELP = lazy(_template_help, str)()


class ReminderStepForm(forms.ModelForm):
    delay = DelayField(
        label=gettext_lazy("Delay"),
        help_text=gettext_lazy("after the abandonment was captured, e.g. “2 hours”"),
    )

    class Meta:
        model = ReminderStep
        fields = (
            "delay",
            "subject",
            "body",
            "active",
            "coupon_percent_off",
            "coupon_amount_off",
            "coupon_valid_days",
        )
        help_texts = {
            "body": HELP,
            "coupon_percent_off": gettext_lazy(
                "Incentive: each recipient gets a unique single-use code "
                "for this percentage off (empty: no coupon)."
            ),
            "coupon_amount_off": gettext_lazy(
                "… or for this amount off, in the basket's currency."
            ),
            "coupon_valid_days": gettext_lazy(
                "Days the code is valid after the mail; expired codes are deleted."
            ),
        }
        labels = {
            "subject": gettext_lazy("Subject (English)"),
            "body": gettext_lazy("Body (English)"),
        }

    def clean_subject(self) -> str:
        return _checked(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return _checked(self.cleaned_data["body"])

    def clean(self):
        cleaned = super().clean()
        percent, amount = cleaned.get("coupon_percent_off"), cleaned.get("coupon_amount_off")
        if percent is not None and amount is not None:
            raise forms.ValidationError(_("Offer a percentage or an amount off, not both."))
        if percent is not None and not 0 < percent <= 100:
            self.add_error("coupon_percent_off", _("Between 0 (excluded) and 100."))
        if amount is not None and amount <= 0:
            self.add_error("coupon_amount_off", _("More than 0."))
        if cleaned.get("coupon_valid_days") == 0:
            self.add_error("coupon_valid_days", _("At least 1 day."))
        return cleaned

    def clean_delay(self):
        delay = self.cleaned_data["delay"]
        if delay is not None and delay.total_seconds() < 0:
            raise forms.ValidationError(_("The delay cannot be negative."))
        if delay is not None and delay > MAX_DELAY:
            raise forms.ValidationError(_("The delay can be at most 30 days."))
        return delay


class ReminderStepTextForm(forms.ModelForm):
    class Meta:
        model = ReminderStepText
        fields = ("language", "subject", "body")

    def clean_subject(self) -> str:
        return _checked(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return _checked(self.cleaned_data["body"])


class ReminderStepTextInline(admin.StackedInline):
    model = ReminderStepText
    form = ReminderStepTextForm
    extra = 0
    max_num = len(MailLanguage.values) - 1


class PreviewForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(max_length=20_000)
    language = forms.ChoiceField(choices=MailLanguage.choices)

    def clean_subject(self) -> str:
        return _checked(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return _checked(self.cleaned_data["body"])


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    form = ReminderStepForm
    inlines = (ReminderStepTextInline,)
    list_display = ("delay", "subject", "active")
    list_filter = ("active",)
    change_form_template = "admin/abandonment/reminderstep/change_form.html"

    def get_urls(self):
        preview = path(
            "preview/",
            self.admin_site.admin_view(require_POST(self.preview_view)),
            name="abandonment_reminderstep_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request):
        """PV-5: the mail the posted (unsaved) texts make for a sample basket; nothing is
        saved. JSON: subject, html, text; or 400 with the problems."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        if not form.is_valid():
            errors = {field: [str(e) for e in problems] for field, problems in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        mail = reminder_mail_preview(
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            language=form.cleaned_data["language"],
        )
        return JsonResponse(
            {
                "language": mail.language,
                "subject": mail.subject,
                "html": mail.html,
                "text": mail.text,
            }
        )


@admin.register(ReminderSend)
class ReminderSendAdmin(admin.ModelAdmin):
    """Every reminder sent, for support questions ("did we mail them?")."""

    list_display = ("abandonment", "step_number", "sent_at")
    list_select_related = ("abandonment",)
    date_hierarchy = "sent_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
