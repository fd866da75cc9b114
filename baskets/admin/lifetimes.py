"""PV-4: the lifetime job's runs, one row each: what it deleted, by which rule."""

from django.contrib import admin

from ..models import BasketLifetimeRun
from .read_only import ReadOnlyModelAdmin


@admin.register(BasketLifetimeRun)
class BasketLifetimeRunAdmin(ReadOnlyModelAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "deleted_empty",
        "deleted_anonymous",
        "deleted_login",
        "batches",
        "lifetimes",
    )
    date_hierarchy = "started_at"
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        # The list reloads itself while a run is under way.
        running = BasketLifetimeRun.objects.filter(finished_at__isnull=True).exists()
        return super().changelist_view(request, {**(extra_context or {}), "running": running})
