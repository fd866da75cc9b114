from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Webhook attempts go after their live retention, purged by the basket retention job.
        from .services.retention import webhook_attempt_retention_register

        webhook_attempt_retention_register()
