"""django-constance's app under the name staff know it by in the admin."""

from constance.apps import ConstanceConfig


class BusinessSettingsConfig(ConstanceConfig):
    verbose_name = "Business settings"
