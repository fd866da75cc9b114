"""The basket grid's column chooser, kept per staff member (``GridColumnChoice``).

The key columns (GUID, status, stage, total) are always shown, first; the others in a fixed
order, each switched on or off by the staff member. The default set is the grid's own
(fits 1440 px); a few more columns can be switched on. AC-1 still decides who sees a
column that holds personal data.
"""

from django.contrib import messages
from django.contrib.admin.utils import label_for_field
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..access import personal_data_visible
from ..personal_data import names_shown
from ..services.preferences import grid_columns_chosen, grid_columns_save

KEY_COLUMNS = ("guid", "status", "stage", "total")
# Off unless switched on.
EXTRA_COLUMNS = (
    "location",
    "delivery_method",
    "payment_method",
    "last_activity_at",
)
COLUMNS_PARAMETER = "columns"


class GridColumnsAdminMixin:
    """For ``BasketAdmin``: ``grid_columns`` picks the columns, ``column_chooser`` feeds the
    grid's chooser form, ``columns_view`` keeps a choice."""

    def names_visible(self, request, names: list[str]) -> list[str]:
        """AC-1: the columns holding personal data only for those who may see it."""
        return names_shown(self.model, self, names, personal=personal_data_visible(request.user))

    def _choosable(self) -> list[str]:
        default = list(self.list_display)
        at = default.index("creator") + 1
        default[at:at] = self.identity_columns
        return [*default, *EXTRA_COLUMNS]

    def grid_columns(self, request) -> list[str]:
        """The grid's columns for this staff member, in the grid's order."""
        chosen = getattr(request, "_grid_columns", None)
        if chosen is None:
            chosen = request._grid_columns = grid_columns_chosen(request.user)
        choosable = self._choosable()
        if chosen is None:
            return [name for name in choosable if name not in EXTRA_COLUMNS]
        return [name for name in choosable if name in KEY_COLUMNS or name in chosen]

    def column_chooser(self, request, shown: list[str]) -> list[tuple[str, str, bool, bool]]:
        """(name, label, shown, fixed) for each column the staff member may see."""
        visible = set(self.names_visible(request, self._choosable()))
        return [
            (
                name,
                capfirst(str(label_for_field(name, self.model, self))),
                name in shown,
                name in KEY_COLUMNS,
            )
            for name in self._choosable()
            if name in visible
        ]

    def column_urls(self) -> list:
        return [
            path(
                "columns/",
                self.admin_site.admin_view(self.columns_view),
                name="baskets_basket_columns",
            )
        ]

    def columns_view(self, request):
        """POST: keep the ticked columns (or "reset": the default set), back to the grid."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        choosable = self._choosable()
        if request.POST.get("reset"):
            grid_columns_save(user=request.user, columns=None)
            messages.info(request, _("The grid shows its default columns again."))
        else:
            ticked = set(request.POST.getlist(COLUMNS_PARAMETER))
            unknown = ticked - set(choosable)
            if unknown:
                messages.error(request, _("Unknown columns; nothing was changed."))
            else:
                columns = [name for name in choosable if name in ticked and name not in KEY_COLUMNS]
                grid_columns_save(user=request.user, columns=columns)
                messages.success(request, _("Your grid columns are kept."))
        back = request.POST.get("next", "")
        grid = reverse("admin:baskets_basket_changelist")
        if not back.startswith(grid) or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = grid
        return HttpResponseRedirect(back)
