from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from baskets.roles import role_grants_register

        # The workers' heartbeats: the Order processor reads them beside completion triage.
        role_grants_register("operations", order_processor={"workerheartbeat": ("view",)})
