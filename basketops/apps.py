"""django-constance's app under the name staff know it by in the admin."""

from constance.apps import ConstanceConfig
from django.utils.translation import gettext_lazy as _


class BusinessSettingsConfig(ConstanceConfig):
    verbose_name = _("Business settings")
