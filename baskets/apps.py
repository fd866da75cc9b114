from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BasketsConfig(AppConfig):
    name = "baskets"
    verbose_name = _("Baskets")

    def ready(self) -> None:
        from .roles import role_grants_register, staff_permissions_register

        # What the staff roles hold of baskets' models (AC-1): the Order processor's
        # baskets, locked carts and orders; the catalogue, coupons and gift cards only to
        # read; no shop accounts, customer accounts or salespersons (personal data).
        role_grants_register(
            "baskets",
            order_processor={
                "basket": ("view", "change", "delete"),
                "line": ("view",),
                "basketevent": ("view",),
                "paymentresult": ("view",),
                "order": ("view", "change"),
                "orderline": ("view",),
                "invoice": ("view",),
                "courseenrolment": ("view",),
                "product": ("view",),
                "variant": ("view",),
                "price": ("view",),
                "coupon": ("view",),
                "giftcard": ("view",),
            },
        )
        # The live business settings (django-constance, whose admin page baskets gives):
        # administrators change them, Order processors read them. Its permissions hang on
        # the content type of its storage model.
        role_grants_register(
            "constance",
            order_processor={"config": ("view",)},
            content_types={"config": "constance"},
        )
        # BM-4: staff users and their roles, managed without superuser (``admin.staff_users``
        # keeps a System administrator from making anyone superuser or giving more than
        # they hold); the roles themselves only read.
        staff_permissions_register(
            ("auth", "user", "view_user"),
            ("auth", "user", "add_user"),
            ("auth", "user", "change_user"),
            ("auth", "user", "delete_user"),
            ("auth", "group", "view_group"),
        )
        # Registers the schema extension of the staff session login (API-3).
        # Registers the startup check of SHOP_CURRENCIES (SH-2).
        from . import currencies  # noqa: F401
        from .api import schema  # noqa: F401
