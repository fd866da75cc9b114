from django.contrib import admin

from baskets.admin.read_only import ReadOnlyModelAdmin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyModelAdmin):
    """SH-1: each ``shop_import`` run with its counts and the refused row, if any."""

    list_display = (
        "started_at",
        "kind",
        "path",
        "status",
        "rows",
        "created",
        "updated",
        "unchanged",
        "refused_line",
        "refused_reason",
    )
    list_filter = ("status", "kind")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
