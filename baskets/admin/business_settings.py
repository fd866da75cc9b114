"""The live business settings page (django-constance's, audited) and its audit trail.

System administrators change the settings; Order processors may only view them: a POST
without the change permission is refused (403), nothing saved.
"""

from constance import settings as constance_settings
from constance.admin import Config, ConstanceAdmin
from constance.forms import ConstanceForm
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from ..models import BusinessSettingChange
from ..services.actors import Actor
from ..services.business_settings import business_settings_change
from .read_only import ReadOnlyModelAdmin


class AuditedSettingsForm(ConstanceForm):
    """Constance's form, saving through our service so every change is audited."""

    def __init__(self, initial, request=None, *args, **kwargs):
        super().__init__(initial, request, *args, **kwargs)
        self.request = request

    def save(self):
        changes = {name: self.cleaned_data[name] for name in constance_settings.CONFIG}
        return business_settings_change(changes=changes, actor=Actor.staff(self.request.user))


class BusinessSettingsAdmin(ConstanceAdmin):
    change_list_form = AuditedSettingsForm

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

    list_display = ("changed_at", "name", "old_value", "new_value", "actor_label")
    list_filter = ("name",)
    ordering = ("-changed_at", "-id")

