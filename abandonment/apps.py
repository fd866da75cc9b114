from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AbandonmentConfig(AppConfig):
    name = "abandonment"
    verbose_name = _("Abandonment")

    def ready(self) -> None:
        from anymail.signals import tracking

        from baskets.roles import role_grants_register

        from .webhooks import anymail_tracking_receive

        # AC-1: abandonments hold shop-account personal data: System administrators only.
        role_grants_register("abandonment")
        # django-anymail hands verified tracking events (bounces, complaints) to receivers
        # of its ``tracking`` signal only; this one calls the suppression service.
        tracking.connect(anymail_tracking_receive, dispatch_uid="abandonment.suppressions")
