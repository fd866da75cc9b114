from django.apps import AppConfig


class ShopperDataConfig(AppConfig):
    name = "shopper_data"
    verbose_name = "Shopper data (erasure and export)"
    default_auto_field = "django.db.models.BigAutoField"
