"""The staff back office (SPEC section 3)."""

from django.contrib import admin  # noqa: E402
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from basketops.business import business_setting

from . import (  # noqa: F401  (registers the model admins)
    business_settings,
    catalogue,
    grid,
    lifetimes,
    parties,
    staff_users,
)

admin.site.site_header = "Basket Ops"
admin.site.site_title = "Basket Ops"
admin.site.index_title = _("Back office")
# "View site" opens the shop, read at each page (a System administrator may change it live).
admin.site.site_url = lazy(lambda: business_setting("SHOP_URL"), str)()
