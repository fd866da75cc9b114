from django.apps import AppConfig


class AbandonmentConfig(AppConfig):
    name = "abandonment"
    verbose_name = "Abandonment"

    def ready(self) -> None:
        # django-anymail hands verified tracking events (bounces, complaints) to receivers
        # of its ``tracking`` signal only; this one calls the suppression service.
        from anymail.signals import tracking

        from .webhooks import anymail_tracking_receive

        tracking.connect(anymail_tracking_receive, dispatch_uid="abandonment.suppressions")
