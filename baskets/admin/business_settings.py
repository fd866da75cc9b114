"""The live business settings page (django-constance's, audited) and its audit trail.

System administrators change the settings; Order processors may only view them: a POST
without the change permission is refused (403), nothing saved.
"""

import re

from constance import settings as constance_settings
from constance.admin import Config, ConstanceAdmin
from constance.forms import ConstanceForm
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import BusinessSettingChange
from ..services.actors import Actor
from ..services.business_settings import business_settings_change
from ..wording import actor_text, value_text, words
from .read_only import ReadOnlyModelAdmin


class AuditedSettingsForm(ConstanceForm):
    """Constance's form, saving through our service so every change is audited."""

    def __init__(self, initial, request=None, *args, **kwargs):
        super().__init__(initial, request, *args, **kwargs)
        self.request = request

    def save(self):
        changes = {name: self.cleaned_data[name] for name in constance_settings.CONFIG}
        return business_settings_change(changes=changes, actor=Actor.staff(self.request.user))


# A rule reference of the specification ("(LC-5)", "(AB-1, AB-2)"): not for staff.
RULE_IDS = re.compile(r"\s*\((?:[A-Z]{2,3}-\d+(?:,\s*)?)+\)")


def setting_label(name: str) -> str:
    """A setting's name as words: "BASKET_ABANDON_AFTER_MINUTES" -> "Basket abandon after
    minutes"."""
    return words(name.lower())


def setting_help(text: str) -> str:
    return RULE_IDS.sub("", str(text))


def setting_label_shown(name: str) -> str:
    """The setting's name in the staff member's language (``settings_words``)."""
    return _(setting_label(name))


class BusinessSettingsAdmin(ConstanceAdmin):
    change_list_form = AuditedSettingsForm

    def get_config_value(self, name, options, form, initial):
        """Each setting by its name in words, its help without rule references."""
        item = super().get_config_value(name, options, form, initial)
        item["name"] = setting_label_shown(name)
        item["help_text"] = _(setting_help(item["help_text"]))
        return item

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        # The sections and the choices of the settings' lists in the staff member's
        # language (``settings_words``); the values saved stay the codes.
        for fieldset in context.get("fieldsets", ()):
            fieldset["title"] = _(fieldset["title"])
        form = context.get("form")
        for field in form.fields.values() if form is not None else ():
            if isinstance(field, forms.ChoiceField):
                field.choices = [(value, _(str(label))) for value, label in field.choices]
        return response


Config._meta.verbose_name_plural = gettext_lazy("business settings")
admin.site.unregister([Config])
admin.site.register([Config], BusinessSettingsAdmin)


@admin.register(BusinessSettingChange)
class BusinessSettingChangeAdmin(ReadOnlyModelAdmin):
    """Who changed which business setting, when, from what to what."""

    list_display = ("changed_at", "setting", "old_value_text", "new_value_text", "actor")
    list_filter = ("name",)
    ordering = ("-changed_at", "-id")

    @admin.display(description=gettext_lazy("setting"), ordering="name")
    def setting(self, change: BusinessSettingChange) -> str:
        return setting_label_shown(change.name)

    @admin.display(description=gettext_lazy("old value"))
    def old_value_text(self, change: BusinessSettingChange) -> str:
        return value_text(change.old_value)

    @admin.display(description=gettext_lazy("new value"))
    def new_value_text(self, change: BusinessSettingChange) -> str:
        return value_text(change.new_value)

    @admin.display(description=gettext_lazy("changed by"))
    def actor(self, change: BusinessSettingChange) -> str:
        return actor_text(change.actor_label)
