"""The staff back office (SPEC section 3)."""

from django.contrib import admin  # noqa: E402

from . import business_settings, catalogue, grid, lifetimes, parties  # noqa: F401  (registers the model admins)

admin.site.site_header = "Basket Ops"
admin.site.site_title = "Basket Ops"
admin.site.index_title = "Back office"
