"""PV-2: the addresses reminders never go to (bounces and complaints the e-mail service
reported, and addresses staff added); System administrators see and edit the list."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from ..models import ReminderSuppression
from ..services.suppressions import suppression_record


class ReminderSuppressionForm(forms.ModelForm):
    class Meta:
        model = ReminderSuppression
        fields = ("email", "reason", "detail")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.instance.pk is not None:
            return self.instance.email
        taken = ReminderSuppression.objects.filter(email=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This address is suppressed already."))
        return email


@admin.register(ReminderSuppression)
class ReminderSuppressionAdmin(admin.ModelAdmin):
    form = ReminderSuppressionForm
    list_display = ("email", "reason", "suppressed_at", "source", "detail")
    list_filter = ("reason",)
    search_fields = ("email",)
    readonly_fields = ("suppressed_at", "source")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # An address is the row's identity: lift it (delete) and add another instead.
        return (*self.readonly_fields, "email") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, as the webhook does; staff are the source."""
        suppressed = suppression_record(
            email=obj.email,
            reason=form.cleaned_data["reason"],
            source=f"staff:{request.user.get_username()}",
            detail=form.cleaned_data["detail"],
        )
        obj.pk, obj.suppressed_at, obj.source = (
            suppressed.pk,
            suppressed.suppressed_at,
            suppressed.source,
        )
