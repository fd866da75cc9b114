from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopperDataConfig(AppConfig):
    name = "shopper_data"
    verbose_name = _("Shopper data (erasure and export)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from baskets.roles import role_grants_register

        # PV-3: erasures and exports of one shopper's data, System administrators only.
        role_grants_register("shopper_data")
