"""The live business settings page (django-constance's, audited) and its audit trail.

System administrators change the settings; Order processors may only view them: a POST
without the change permission is refused (403), nothing saved.
"""

import re

from constance import settings as constance_settings
from constance.admin import Config, ConstanceAdmin
from constance.forms import ConstanceForm
from django.contrib import admin
from django.core.exceptions import PermissionDenied

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


class BusinessSettingsAdmin(ConstanceAdmin):
    change_list_form = AuditedSettingsForm

    def get_config_value(self, name, options, form, initial):
        """Each setting by its name in words, its help without rule references."""
        item = super().get_config_value(name, options, form, initial)
        item["name"] = setting_label(name)
        item["help_text"] = setting_help(item["help_text"])
        return item

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)


Config._meta.verbose_name_plural = "business settings"
admin.site.unregister([Config])
admin.site.register([Config], BusinessSettingsAdmin)


@admin.register(BusinessSettingChange)
class BusinessSettingChangeAdmin(ReadOnlyModelAdmin):
    """Who changed which business setting, when, from what to what."""

    list_display = ("changed_at", "setting", "old_value_text", "new_value_text", "actor")
    list_filter = ("name",)
    ordering = ("-changed_at", "-id")

    @admin.display(description="setting", ordering="name")
    def setting(self, change: BusinessSettingChange) -> str:
        return setting_label(change.name)

    @admin.display(description="old value")
    def old_value_text(self, change: BusinessSettingChange) -> str:
        return value_text(change.old_value)

    @admin.display(description="new value")
    def new_value_text(self, change: BusinessSettingChange) -> str:
        return value_text(change.new_value)

    @admin.display(description="changed by")
    def actor(self, change: BusinessSettingChange) -> str:
        return actor_text(change.actor_label)

