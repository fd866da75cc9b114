"""RL-7: staff edit the shop's recovery texts (Application texts)."""

from django import forms
from django.contrib import admin
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import ApplicationText
from .texts import DEFAULT_TEXTS


class ApplicationTextForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("Key"), choices=[(key, key) for key in DEFAULT_TEXTS])

    class Meta:
        model = ApplicationText
        fields = ("key", "language", "text")
        help_texts = {
            "text": _(
                "[BasketGuid] is replaced with the basket's GUID; in the new-card request "
                "(receivable_CardRequest*) also [OrderNumber] and [CardLink]."
            )
        }


@admin.register(ApplicationText)
class ApplicationTextAdmin(admin.ModelAdmin):
    form = ApplicationTextForm
    list_display = ("key", "language", "text", "updated_at")
    list_filter = ("language",)
    search_fields = ("key", "text")

    def get_readonly_fields(self, request, obj=None):
        return ("key", "language", "default_text") if obj is not None else ("default_text",)

    def get_fields(self, request, obj=None):
        return ("key", "language", "text", "default_text")

    @admin.display(description=_("default"))
    def default_text(self, obj):
        if obj is None or obj.key not in DEFAULT_TEXTS:
            return ""
        with translation.override(obj.language):
            return str(DEFAULT_TEXTS[obj.key])
