"""Locked carts' answers from the payment provider (SH-4, seed 003): the list staff read
before confirming or unlocking a cart (also kept in each basket's timeline), and the button
that asks the provider about every locked cart now. Staff who may see baskets see it; staff
who may change them (confirm, unlock) may ask."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from baskets.admin.read_only import ReadOnlyModelAdmin
from baskets.services.actors import Actor

from .models import ProviderCheck
from .services import locked_carts_check
from .services.settlements import (
    SettlementReportInvalid,
    settlement_decide,
    settlement_proposals,
)

# A settlement CSV larger than this is refused (a month of a busy shop is far below it).
SETTLEMENT_MAX_BYTES = 20 * 1024 * 1024


@admin.register(ProviderCheck)
class ProviderCheckAdmin(ReadOnlyModelAdmin):
    list_display = (
        "checked_at",
        "basket_link",
        "provider",
        "reference",
        "status",
        "provider_status",
        "amount",
        "currency",
        "provider_time",
        "provider_link",
        "decision",
        "note",
    )
    list_filter = ("status", "decision", "provider")
    search_fields = ("reference",)
    search_help_text = gettext_lazy("A provider reference (exact).")
    show_full_result_count = False
    list_per_page = 100
    readonly_fields = [field.name for field in ProviderCheck._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(reference=term), False) if term else (queryset, False)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.has_perm("baskets.view_basket")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=gettext_lazy("basket"))
    def basket_link(self, check):
        if check.basket_id is None:
            return str(check.basket_guid)
        url = reverse("admin:baskets_basket_change", args=[check.basket_id])
        return format_html('<a href="{}">{}</a>', url, check.basket_guid)

    @admin.display(description=gettext_lazy("at the provider"))
    def provider_link(self, check):
        if not check.link:
            return ""
        return format_html(
            '<a href="{}" rel="noopener" target="_blank">{}</a>', check.link, _("open")
        )

    def get_urls(self):
        check_now = self.admin_site.admin_view(require_POST(self.check_now_view))
        settlement = self.admin_site.admin_view(self.settlement_view)
        decide = self.admin_site.admin_view(require_POST(self.settlement_decide_view))
        return [
            path("check-now/", check_now, name="payments_providercheck_check_now"),
            path("settlement/", settlement, name="payments_providercheck_settlement"),
            path("settlement/decide/", decide, name="payments_providercheck_settlement_decide"),
            *super().get_urls(),
        ]

    def _may_check(self, request) -> bool:
        return request.user.has_perm("baskets.change_basket")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_check_now": self._may_check(request)}
        return super().changelist_view(request, extra_context=extra_context)

    def check_now_view(self, request):
        if not self._may_check(request):
            raise PermissionDenied
        answered = locked_carts_check(actor=Actor.staff(request.user))
        self.message_user(
            request,
            _("The provider answered for %(count)s locked cart(s).") % {"count": answered},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:payments_providercheck_changelist"))

    def settlement_view(self, request):
        """Upload a provider's settlement CSV: one proposal per locked cart."""
        if not self._may_check(request):
            raise PermissionDenied
        proposals = None
        if request.method == "POST":
            upload = request.FILES.get("report")
            provider = request.POST.get("provider", "")
            try:
                if upload is None or upload.size > SETTLEMENT_MAX_BYTES:
                    raise SettlementReportInvalid(_("Choose a CSV file of at most 20 MB."))
                text = upload.read().decode("utf-8-sig")
                proposals = settlement_proposals(provider=provider, text=text)
            except (SettlementReportInvalid, UnicodeDecodeError) as error:
                self.message_user(request, _("Not read: %(why)s") % {"why": error}, messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Settlement report"),
            "opts": self.model._meta,
            "proposals": proposals,
        }
        return TemplateResponse(request, "admin/payments/providercheck/settlement.html", context)

    def settlement_decide_view(self, request):
        """Confirm and unlock the carts staff selected, with one reason."""
        if not self._may_check(request):
            raise PermissionDenied
        reason = request.POST.get("reason", "").strip()[:500]
        try:
            confirm = [int(value) for value in request.POST.getlist("confirm")]
            unlock = [int(value) for value in request.POST.getlist("unlock")]
        except ValueError:
            confirm = unlock = []
        if not reason or not (confirm or unlock) or set(confirm) & set(unlock):
            self.message_user(
                request,
                _("Select carts to confirm or unlock (not both for one cart) and give a reason."),
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:payments_providercheck_settlement"))
        done, refused = settlement_decide(
            confirm_ids=confirm, unlock_ids=unlock, actor=Actor.staff(request.user), reason=reason
        )
        self.message_user(
            request,
            _("Decided %(done)s locked cart(s); %(refused)s refused (no longer Locked).")
            % {"done": done, "refused": refused},
            messages.SUCCESS if not refused else messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:payments_providercheck_changelist"))
