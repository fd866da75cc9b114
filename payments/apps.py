from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    """Payment providers (SH-4): their notifications, checks and charges, each in its own
    protocol, turned into the basket domain's payment results."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Payments")
