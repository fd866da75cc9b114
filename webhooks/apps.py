from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Webhook attempts go after their live retention, purged by the basket retention job.
        from .services.retention import webhook_attempt_retention_register

        webhook_attempt_retention_register()
