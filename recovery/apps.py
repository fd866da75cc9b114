from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Basket recovery")

    def ready(self) -> None:
        from baskets.links import recovery_path_register
        from baskets.roles import role_grants_register

        from .links import recover_path

        # The shopper-facing texts: the Order processor reads them.
        role_grants_register("recovery", order_processor={"applicationtext": ("view",)})
        # baskets hands out the recovery link (RL-8) with the path this app's route gives.
        recovery_path_register(recover_path)
