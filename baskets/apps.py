from django.apps import AppConfig


class BasketsConfig(AppConfig):
    name = "baskets"
    verbose_name = "Baskets"

    def ready(self) -> None:
        # Registers the schema extension of the staff session login (API-3).
        # Registers the startup check of SHOP_CURRENCIES (SH-2).
        from . import currencies  # noqa: F401
        from .api import schema  # noqa: F401
