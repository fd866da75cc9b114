"""Staff line edits from a basket's page (seed 001): change a line's quantity or remove it,
with a reason, on an Active basket that is neither locked nor paid; back to the page with a
message saying what was done or why not."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext

from ..exceptions import BasketError
from ..models import Line
from ..services.actors import Actor
from ..services.line_edits import basket_line_edit, line_edit_refusal
from .actions import RETURN_PARAMETER, local_path


class LineEditAdminMixin:
    """Adds ``baskets/basket/line-edit/`` (POST: line, quantity or remove, reason)."""

    def line_edit_urls(self) -> list:
        return [
            path(
                "line-edit/",
                self.admin_site.admin_view(self.line_edit_view),
                name="baskets_basket_line_edit",
            )
        ]

    def line_edit_offer(self, request, basket) -> list:
        """The lines the basket's page offers to edit (none, unread, when refused or not
        allowed)."""
        if not self.has_change_permission(request, basket) or line_edit_refusal(basket):
            return []
        return list(basket.lines.order_by("pk"))

    def line_edit_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            line_id = int(request.POST.get("line", ""))
            quantity = 0 if "remove" in request.POST else int(request.POST.get("quantity", ""))
        except ValueError:
            self.message_user(
                request,
                "Give a line and a whole-number quantity; nothing was changed.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:baskets_basket_changelist"))
        basket_id = Line.objects.filter(pk=line_id).values_list("basket_id", flat=True).first()
        if basket_id is None:
            self.message_user(request, "No such line; nothing was changed.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:baskets_basket_changelist"))
        try:
            basket = basket_line_edit(
                basket_id=basket_id,
                line_id=line_id,
                quantity=quantity,
                actor=Actor.staff(request.user),
                reason=request.POST.get("reason", "").strip(),
            )
        except BasketError as error:
            self.message_user(
                request, gettext("Refused: %(reason)s") % {"reason": error.message}, messages.ERROR
            )
        else:
            if quantity == 0:
                done = gettext("Line removed; the total is now %(total)s %(currency)s.")
            else:
                done = gettext(
                    "Quantity set to %(quantity)s; the total is now %(total)s %(currency)s."
                )
            self.message_user(
                request,
                done % {"quantity": quantity, "total": basket.total, "currency": basket.currency},
                messages.SUCCESS,
            )
        # Back to the basket's page as it was opened (the grid's filters kept for its way back).
        page = reverse("admin:baskets_basket_change", args=[basket_id])
        back = local_path(request, request.POST.get(RETURN_PARAMETER, ""))
        return HttpResponseRedirect(back if urlsplit(back).path == page else page)
