from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopDataConfig(AppConfig):
    """SH-1: the shop's own data (parties, catalogue, prices, coupons, gift cards) flowing
    in over the API and from files. The rows live in ``baskets``; this app writes them."""

    name = "shopdata"
    verbose_name = _("Shop data")

    def ready(self) -> None:
        from baskets.roles import role_grants_register

        role_grants_register("shopdata")
