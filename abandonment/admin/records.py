"""Captured abandonments (AB-1), reminders sent by hand (AB-4), and the rates, recovered
revenue and most abandoned products (AB-6)."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from basketops.business import business_setting
from basketops.reads import reading_alias
from baskets.access import personal_data_visible
from baskets.admin.detail import CONSENT_POLICIES, address_format, marketing_consent_describe
from baskets.admin.paging import CappedCountPaginator
from baskets.admin.privacy import PersonalDataAdminMixin, shown_fields
from baskets.filters import DateEntryField, DateRangeForm
from baskets.models import Basket
from baskets.personal_data import reads
from baskets.search import SearchKind, basket_search_decide
from baskets.services.actors import Actor
from baskets.wording import list_text, value_text

from ..exceptions import RecoveryMailRefused
from ..models import Abandonment
from ..selectors import (
    abandonment_daily,
    abandonment_search_q,
    abandonment_stats,
    abandonments_between,
)
from ..services.reminders import abandonment_reminder_send_now
from ..services.staff_mail import (
    MESSAGE_MAX,
    basket_recovery_mail_build,
    basket_recovery_mail_send,
)
from .charts import daily_chart

COLUMNS = (
    "basket_guid",
    "captured_at",
    "last_activity_at",
    "total",
    "currency",
    "marketing_consent",
    "reminders_sent",
    "reminded_at",
    "recovered_at",
)
# AC-1 (``baskets.personal_data``) shows the name and e-mail only to staff who may see
# shop-account personal data.
PERSONAL_COLUMNS = ("name", "email")


# The analytics' default range, and the longest one a page draws.
ANALYTICS_DEFAULT_DAYS = 30
ANALYTICS_MAX_DAYS = 366


class RecoveryMailForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Personal message (optional)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
    )


class AnalyticsRangeForm(DateRangeForm):
    max_days = ANALYTICS_MAX_DAYS

    date_from = DateEntryField(label=gettext_lazy("From"))
    date_to = DateEntryField(label=gettext_lazy("To"))


@admin.register(Abandonment)
class AbandonmentAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    list_display = (*COLUMNS[:3], *PERSONAL_COLUMNS, *COLUMNS[3:])
    list_filter = ("recovered_at", "reminded_at")
    date_hierarchy = "captured_at"
    # Searched by ``get_search_results`` (the basket grid's rule); the name lights the box.
    search_fields = ("name",)
    search_help_text = gettext_lazy(
        "A basket GUID, an e-mail, a name or part of one, or an ERP account ID."
    )
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/abandonment/abandonment/change_list.html"
    actions = ["reminder_send_now"]
    list_select_related = ("basket",)
    readonly_fields = (
        "marketing_consent_and_policy",
        "coupon_codes_text",
        "lines_text",
        "payment_address_text",
    )
    # Stored as JSON; shown in words by the fields above.
    JSON_FIELDS = ("coupon_codes", "lines", "payment_address")

    @admin.display(description=gettext_lazy("coupon codes"))
    @reads("coupon_codes")
    def coupon_codes_text(self, abandonment: Abandonment) -> str:
        return list_text(abandonment.coupon_codes or [])

    @admin.display(description=gettext_lazy("lines"))
    @reads("lines")
    def lines_text(self, abandonment: Abandonment) -> str:
        """One line a row: "Product PRD-1, Quantity 2, Unit price 9.90 EUR"."""
        return format_html_join(
            "",
            "<div>{}</div>",
            (
                (value_text(line, currency=abandonment.currency),)
                for line in abandonment.lines or []
            ),
        )

    @admin.display(description=gettext_lazy("payment address"))
    @reads("payment_address")
    def payment_address_text(self, abandonment: Abandonment) -> str:
        return address_format(abandonment.payment_address or {})

    def get_readonly_fields(self, request, obj=None):
        return shown_fields(self, request, self.readonly_fields)

    @admin.display(description=gettext_lazy("marketing consent"))
    def marketing_consent(self, abandonment: Abandonment) -> str:
        """PV-1: the basket's consent (the list shows the live policy once, above the rows)."""
        if abandonment.basket is None:
            return _("(basket deleted)")
        return marketing_consent_describe(abandonment.basket, with_policy=False)

    @admin.display(description=gettext_lazy("marketing consent"))
    def marketing_consent_and_policy(self, abandonment: Abandonment) -> str:
        """PV-1: the basket's consent and the live policy reminders follow."""
        if abandonment.basket is None:
            return _("(basket deleted)")
        return marketing_consent_describe(abandonment.basket)

    def get_exclude(self, request, obj=None):
        """AC-1: the shopper's name, e-mail and address only for users who may see them."""
        names = [field.name for field in self.model._meta.fields]
        hidden = set(names) - set(shown_fields(self, request, names))
        return sorted(hidden | set(self.JSON_FIELDS))

    def get_search_results(self, request, queryset, search_term):
        decision = basket_search_decide(
            search_term, personal_data=personal_data_visible(request.user)
        )
        if decision.kind is SearchKind.REFUSED:
            messages.error(request, decision.refusal)
        return queryset.filter(abandonment_search_q(decision)), False

    def changelist_view(self, request, extra_context=None):
        """AB-6: abandonment and recovery rates and the most abandoned products, for the
        abandonments the list shows."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["stats"] = abandonment_stats(changelist.queryset)
            policy = business_setting("REMINDER_CONSENT_POLICY")
            response.context_data["reminder_policy"] = _(
                "sent to %(policy_words)s (REMINDER_CONSENT_POLICY “%(policy)s”), at most "
                "%(cap)s per address in 24 hours, the newest abandonment of each address only"
            ) % {
                "policy_words": CONSENT_POLICIES.get(policy, policy),
                "policy": policy,
                "cap": business_setting("REMINDER_DAILY_CAP"),
            }
        return response

    @admin.action(
        permissions=["view"],
        description=gettext_lazy("Send the next reminder e-mail now"),
    )
    def reminder_send_now(self, request, queryset):
        """AB-4: the next step of each selected abandonment's sequence, by hand."""
        actor = Actor.staff(request.user)
        sent = refused = 0
        for abandonment_id in queryset.values_list("pk", flat=True):
            if abandonment_reminder_send_now(abandonment_id=abandonment_id, actor=actor):
                sent += 1
            else:
                refused += 1
        if sent:
            self.message_user(
                request, _("%(count)s reminder(s) sent.") % {"count": sent}, messages.SUCCESS
            )
        if refused:
            self.message_user(
                request,
                _(
                    "%(count)s not sent: the shopper came back, ordered or opted out, has no "
                    "e-mail, or had every step of the sequence already."
                )
                % {"count": refused},
                messages.WARNING,
            )

    def get_urls(self):
        analytics = path(
            "analytics/",
            self.admin_site.admin_view(self.analytics_view),
            name="abandonment_abandonment_analytics",
        )
        recovery_mail = path(
            "recovery-mail/<int:basket_id>/",
            self.admin_site.admin_view(self.recovery_mail_view),
            name="abandonment_recovery_mail",
        )
        return [analytics, recovery_mail, *super().get_urls()]

    def recovery_mail_view(self, request, basket_id: int):
        """Staff send the shopper a recovery e-mail with an optional personal message,
        after a preview (the "Preview" button sends nothing)."""
        if not self.has_view_permission(request) or not personal_data_visible(request.user):
            raise PermissionDenied
        basket = get_object_or_404(Basket.objects.select_related("shop_account"), pk=basket_id)
        basket_page = reverse("admin:baskets_basket_change", args=[basket.pk])
        form = RecoveryMailForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Send a recovery e-mail: basket %(guid)s") % {"guid": basket.guid},
            "basket": basket,
            "basket_page": basket_page,
            "form": form,
        }
        status = 200
        if request.method == "POST" and form.is_valid():
            message = form.cleaned_data["message"]
            try:
                if "send" in request.POST:
                    recipient = basket_recovery_mail_send(
                        basket_id=basket.pk, message=message, actor=Actor.staff(request.user)
                    )
                    self.message_user(
                        request,
                        _("Recovery e-mail sent to %(recipient)s.") % {"recipient": recipient},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(basket_page)
                context["preview"], context["recipient"] = basket_recovery_mail_build(
                    basket=basket, message=message
                )
            except RecoveryMailRefused as refusal:
                context["refusal"] = str(refusal)
                status = 400
        elif request.method == "POST":
            status = 400
        return TemplateResponse(
            request, "admin/abandonment/abandonment/recovery_mail.html", context, status=status
        )

    def analytics_view(self, request):
        """AB-6: per day of a chosen range, the abandonment rate, recovery rate and
        recovered revenue, as a chart and a table, and the range's most abandoned products."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        default_from = today - timedelta(days=ANALYTICS_DEFAULT_DAYS - 1)
        form = AnalyticsRangeForm(
            request.GET or {"date_from": default_from.isoformat(), "date_to": today.isoformat()}
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Abandonment analytics"),
            "form": form,
        }
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/abandonment/abandonment/analytics.html", context, status=400
            )
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        # SC-5: the analytics decide nothing; they read the replica while it is recent.
        using = reading_alias()
        days = abandonment_daily(date_from, date_to, using=using)
        context |= {
            "days": days,
            "chart": daily_chart(days),
            "stats": abandonment_stats(abandonments_between(date_from, date_to, using=using)),
        }
        return TemplateResponse(request, "admin/abandonment/abandonment/analytics.html", context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
