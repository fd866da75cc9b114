"""Locked carts in the admin (LC-2, LC-3, LC-4): the filter, the staff decisions.

Each decision (Confirm order, Unlock, Delete) asks for confirmation and a reason, calls
one service per basket, and ends the storefront's hold on the basket; the timeline keeps
who decided, when and why. The dashboard widget lives in ``templates/admin/index.html``.
"""

import copy
from datetime import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..models import Basket, BulkJobAction, PaymentResult, Status
from ..selectors import locked_cart_answer
from .actions import CHANGELIST_FILTERS, decide_with_reason, grid_url
from .privacy import PersonalDataAdminMixin
from .read_only import ReadOnlyModelAdmin

LOCKED_CART_ACTIONS = ("confirm_locked_carts", "unlock_locked_carts", "delete_locked_carts")
# LC-3: the grid's extra columns when it shows the locked carts (never a full card number:
# only the masked one is stored).
LOCKED_CART_COLUMNS = ("masked_card_number", "payment_reference", "locked_at", "provider_answer")
# The annotation (``baskets.selectors.locked_cart_answer``) the locked-cart list reads.
PROVIDER_ANSWER = "provider_answer_data"


def _moment(value: str | None) -> str:
    """The provider's ISO time in the installation's time zone, as the grid shows times."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return str(value)
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def provider_answer_html(answer: dict | None, *, empty: str = "") -> SafeString:
    """The provider's answer about a locked cart's payment (SH-4): its status (the
    provider's own word beside it), amount and currency, time, and a link to the payment at
    the provider; the whole of it is the title (the grid cuts the cell short)."""
    if not answer:
        return format_html("{}", empty)
    status = str(answer.get("status") or "unknown").capitalize()
    own_word = answer.get("provider_status") or ""
    currency = (answer.get("currency") or "").upper()
    amount = " ".join(part for part in (answer.get("amount") or "", currency) if part)
    status = f"{status} ({own_word})" if own_word else status
    text = ", ".join(part for part in (status, amount, _moment(answer.get("at"))) if part)
    link = answer.get("link") or ""
    if not link.startswith(("https://", "http://")):
        return format_html('<span class="provider-answer" title="{}">{}</span>', text, text)
    return format_html(
        '<span class="provider-answer" title="{}">{} '
        '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a></span>',
        text,
        text,
        link,
        _("at the provider"),
    )


def locked_provider_answer_display(basket: Basket) -> SafeString:
    """The provider's answer for the locked-cart page (one query)."""
    answer = (
        Basket.objects.filter(pk=basket.pk)
        .annotate(answer=locked_cart_answer())
        .values_list("answer", flat=True)
        .first()
    )
    return provider_answer_html(answer, empty=_("(not checked at the provider yet)"))


# "Next locked cart" looks this far down the filtered list (locked carts are few).
NEXT_LOCKED_CART_WINDOW = 1_000


class LockedCartFilter(admin.SimpleListFilter):
    """LC-2: "Cart filter" → Locked carts (the dashboard widget links here)."""

    title = _("cart filter")
    parameter_name = "cart"

    def lookups(self, request, model_admin):
        return [("locked", _("Locked carts"))]

    def queryset(self, request, queryset):
        if self.value() == "locked":
            return queryset.filter(status=Status.LOCKED)
        return queryset


class LockedCartAdminMixin:
    """Adds the three locked-cart actions to ``BasketAdmin`` (listed in LOCKED_CART_ACTIONS),
    and the locked-cart page's way back: the filtered list it was opened from, and the next
    locked cart in that list."""

    def locked_cart_places(self, request, basket) -> dict:
        """The list a locked cart's page was opened from (where its decisions return) and the
        next locked cart in that list (the same filters and order), or "" at the end."""
        filters = (
            request.GET.get(CHANGELIST_FILTERS, "") or f"{LockedCartFilter.parameter_name}=locked"
        )
        next_id = self._next_locked_cart(request, filters, basket.pk)
        next_url = ""
        if next_id is not None:
            change = reverse("admin:baskets_basket_change", args=[next_id])
            next_url = f"{change}?{urlencode({CHANGELIST_FILTERS: filters})}"
        return {"list_url": grid_url(filters), "next_url": next_url}

    def _next_locked_cart(self, request, filters: str, current: int) -> int | None:
        listing = copy.copy(request)
        listing.GET = QueryDict(filters)
        listing.method = "GET"
        try:
            changelist = self.get_changelist_instance(listing)
        except IncorrectLookupParameters:
            return None
        ids = list(
            changelist.queryset.filter(status=Status.LOCKED).values_list("pk", flat=True)[
                :NEXT_LOCKED_CART_WINDOW
            ]
        )
        if current in ids:
            following = ids[ids.index(current) + 1 :]
            return following[0] if following else None
        return next((pk for pk in ids if pk != current), None)

    @admin.display(description=_("provider's answer"))
    def provider_answer(self, basket: Basket) -> SafeString:
        """LC-3, SH-4: what the provider last said about the cart's payment (the list's rows
        carry it as ``PROVIDER_ANSWER``)."""
        return provider_answer_html(getattr(basket, PROVIDER_ANSWER, None))

    def _locked_cart_decide(self, request, queryset, **decision):
        return decide_with_reason(self, request, queryset, **decision)

    @admin.action(permissions=["change"], description=_("Locked cart: Confirm order (paid)"))
    def confirm_locked_carts(self, request, queryset):
        return self._locked_cart_decide(
            request,
            queryset,
            action="confirm_locked_carts",
            title=_("Confirm locked carts as orders"),
            question=_(
                "Did the provider receive these payments? Each cart goes on as paid, "
                "to completion as an order, and the shopper's session for it ends."
            ),
            kind=BulkJobAction.LOCKED_CART_CONFIRM,
        )

    @admin.action(permissions=["change"], description=_("Locked cart: Unlock"))
    def unlock_locked_carts(self, request, queryset):
        return self._locked_cart_decide(
            request,
            queryset,
            action="unlock_locked_carts",
            title=_("Unlock locked carts"),
            question=_(
                "Unlock these carts? Each goes back to Active with the same contents; "
                "the shopper starts a new session to continue."
            ),
            kind=BulkJobAction.LOCKED_CART_UNLOCK,
        )

    @admin.action(permissions=["delete"], description=_("Locked cart: Delete"))
    def delete_locked_carts(self, request, queryset):
        return self._locked_cart_decide(
            request,
            queryset,
            action="delete_locked_carts",
            title=_("Delete locked carts"),
            question=_(
                "Delete these locked carts? The shopper has to start a new basket. "
                "Only Locked carts are deleted."
            ),
            kind=BulkJobAction.LOCKED_CART_DELETE,
        )


@admin.register(PaymentResult)
class PaymentResultAdmin(PersonalDataAdminMixin, ReadOnlyModelAdmin):
    """Payment results as received; "recorded for reconciliation" ones arrived after staff
    decided (or after the basket was paid) and changed nothing: match them at the provider."""

    list_display = (
        "created_at",
        "basket_guid",
        "result",
        "outcome",
        "provider_reference",
        "masked_card_number",
        "note",
    )
    list_filter = ("outcome", "result")
    search_fields = ("provider_reference",)
    search_help_text = _("A provider reference (exact).")
    show_full_result_count = False
    list_per_page = 100
    ordering = ("-created_at", "-id")
    readonly_fields = [field.name for field in PaymentResult._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(provider_reference=term), False) if term else (queryset, False)
