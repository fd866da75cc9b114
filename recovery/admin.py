"""RL-7: staff edit the shop's recovery texts (Application texts)."""

from django import forms
from django.contrib import admin

from .models import ApplicationText
from .texts import DEFAULT_TEXTS


class ApplicationTextForm(forms.ModelForm):
    key = forms.ChoiceField(choices=[(key, key) for key in DEFAULT_TEXTS])

    class Meta:
        model = ApplicationText
        fields = ("key", "text")
        help_texts = {"text": "[BasketGuid] is replaced with the basket's GUID."}


@admin.register(ApplicationText)
class ApplicationTextAdmin(admin.ModelAdmin):
    form = ApplicationTextForm
    list_display = ("key", "text", "updated_at")
    search_fields = ("key", "text")

    def get_readonly_fields(self, request, obj=None):
        return ("key", "default_text") if obj is not None else ("default_text",)

    def get_fields(self, request, obj=None):
        return ("key", "text", "default_text")

    @admin.display(description="default")
    def default_text(self, obj):
        return DEFAULT_TEXTS.get(obj.key, "") if obj is not None else ""
