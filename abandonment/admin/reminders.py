"""AB-4: the reminder sequence's steps, edited by staff, with a preview."""

from django import forms
from django.contrib import admin
from django.template import Template, TemplateSyntaxError
from django.utils.html import format_html

from ..models import ReminderSend, ReminderStep
from ..services.reminders import reminder_preview


class ReminderStepForm(forms.ModelForm):
    class Meta:
        model = ReminderStep
        fields = ("delay", "subject", "body", "active")
        help_texts = {
            "body": (
                "A Django template: {{ name }}, {{ Basket.BasketUrl }} (the recovery link), "
                "{{ Basket.BasketGUID }}, {% for line in lines %}{{ line.quantity }} x "
                "{{ line.name }} {{ line.unit_price }}{% endfor %}, {{ total }}, "
                "{{ currency }}. The unsubscribe link is added to every mail."
            ),
        }

    def _template_check(self, field: str) -> str:
        value = self.cleaned_data[field]
        try:
            Template(value)
        except TemplateSyntaxError as error:
            raise forms.ValidationError(f"Not a valid template: {error}") from error
        return value

    def clean_subject(self) -> str:
        return self._template_check("subject")

    def clean_body(self) -> str:
        return self._template_check("body")

    def clean_delay(self):
        delay = self.cleaned_data["delay"]
        if delay is not None and delay.total_seconds() < 0:
            raise forms.ValidationError("The delay cannot be negative.")
        return delay


@admin.register(ReminderStep)
class ReminderStepAdmin(admin.ModelAdmin):
    form = ReminderStepForm
    list_display = ("delay", "subject", "active")
    list_filter = ("active",)
    readonly_fields = ("preview",)

    @admin.display(description="preview (a sample basket)")
    def preview(self, step) -> str:
        if step is None or step.pk is None:
            return "Save the step to see a preview."
        subject, body = reminder_preview(step)
        return format_html(
            '<div id="reminder-preview"><p><strong>{}</strong></p>'
            '<pre style="white-space: pre-wrap">{}</pre></div>',
            subject,
            body,
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
