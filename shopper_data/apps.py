from django.apps import AppConfig


class ShopperDataConfig(AppConfig):
    name = "shopper_data"
    verbose_name = "Shopper data (erasure and export)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from baskets.roles import role_grants_register

        # PV-3: erasures and exports of one shopper's data, System administrators only.
        role_grants_register("shopper_data")
