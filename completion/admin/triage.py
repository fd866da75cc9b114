"""Completion triage (CB-3, CB-4): failures by error, baskets in completion, reconciliation."""

from django.conf import settings
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baskets.admin.actions import decide_with_reason
from baskets.admin.paging import CappedCountPaginator
from baskets.admin.privacy import PersonalDataAdminMixin, shown_fields
from baskets.admin.read_only import ReadOnlyModelAdmin
from baskets.models import Status

from ..models import (
    BasketInCompletion,
    CompletionFailedBasket,
    UnreconciledBasket,
)
from ..selectors import now_completable
from ..services.triage import TriageAction


class NowCompletableFilter(admin.SimpleListFilter):
    """CB-4: failures the shop's data caused and has since undone."""

    title = gettext_lazy("would now succeed")
    parameter_name = "now_completable"

    def lookups(self, request, model_admin):
        return (
            ("yes", _("Yes: the withdrawn product or missing price is available again")),
            ("no", _("No")),
        )

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(now_completable=self.value() == "yes")
        return queryset


def basket_link(basket) -> str:
    url = reverse("admin:baskets_basket_change", args=[basket.pk])
    return format_html('<a href="{}">{}</a>', url, basket.guid)


class ReadOnlyBasketView(PersonalDataAdminMixin, ReadOnlyModelAdmin):
    """A filtered, read-only list of baskets; changes happen through actions only. Each
    field, column and lookup of these proxies of ``Basket`` follows AC-1 as the grid does."""

    list_per_page = 100
    list_display_links = None
    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_fields(self, request, obj=None):
        return shown_fields(self, request, [field.name for field in self.model._meta.fields])

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("basket"))
    def basket(self, basket) -> str:
        return basket_link(basket)


@admin.register(CompletionFailedBasket)
class CompletionFailedAdmin(ReadOnlyBasketView):
    """CB-4 triage: failures grouped by error; requeue (fresh attempts) or close, with a reason."""

    list_display = (
        "basket",
        # The amount and the error first, so they are on screen at 1440 px.
        "total",
        "currency",
        "last_error",
        "would_now_succeed",
        "completion_attempts",
        "last_attempt_at",
        "purchaser_label",
    )
    list_filter = (NowCompletableFilter, "last_error")
    search_fields = ("last_error",)
    actions = ("requeue", "requeue_now_completable", "close")
    change_list_template = "admin/completion/completionfailedbasket/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status=Status.COMPLETION_FAILED, closure__isnull=True)
            .annotate(now_completable=now_completable())
            .order_by("-last_attempt_at", "-id")
        )

    @admin.display(description=gettext_lazy("would now succeed"), boolean=True)
    def would_now_succeed(self, basket) -> bool:
        return basket.now_completable

    def changelist_view(self, request, extra_context=None):
        groups = (
            self.get_queryset(request)
            .order_by()
            .values("last_error")
            .annotate(baskets=Count("id"))
            .order_by("-baskets")[:20]
        )
        return super().changelist_view(request, {**(extra_context or {}), "error_groups": groups})

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("baskets.change_basket")

    @admin.action(
        permissions=["change"],
        description=gettext_lazy("Requeue for completion (fresh attempts)"),
    )
    def requeue(self, request, queryset):
        return decide_with_reason(
            self,
            request,
            queryset,
            action="requeue",
            title=_("Requeue baskets"),
            question=_("Give these baskets a fresh set of completion attempts?"),
            kind=TriageAction.REQUEUE,
        )

    @admin.action(
        permissions=["change"],
        description=gettext_lazy(
            "Requeue those that would now succeed (withdrawn product or missing price "
            "available again)"
        ),
    )
    def requeue_now_completable(self, request, queryset):
        """CB-4: of the selected baskets, those the shop's data no longer stops; the rest
        are left as they are and counted."""

        return decide_with_reason(
            self,
            request,
            queryset,
            action="requeue_now_completable",
            title=_("Requeue baskets that would now succeed"),
            question=_(
                "Requeue the selected baskets whose withdrawn product or missing price "
                "is available again? The others stay as they are."
            ),
            kind=TriageAction.REQUEUE_NOW_COMPLETABLE,
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Close (handled by hand)"))
    def close(self, request, queryset):
        return decide_with_reason(
            self,
            request,
            queryset,
            action="close",
            title=_("Close baskets"),
            question=_("Close these baskets? No automatic run will touch them again."),
            kind=TriageAction.CLOSE,
        )


@admin.register(BasketInCompletion)
class BasketInCompletionAdmin(ReadOnlyBasketView):
    """Baskets waiting for completion or failed: attempts, last error, next run."""

    list_display = (
        "basket",
        "status",
        "completion_attempts",
        "last_error",
        "last_attempt_at",
        "next_run",
        "paid_at",
        "total",
    )
    list_filter = ("status",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(status__in=[Status.AWAITING_COMPLETION, Status.COMPLETION_FAILED])
            .order_by("paid_at", "id")
        )

    @admin.display(description=gettext_lazy("next run"))
    def next_run(self, basket) -> str:
        if basket.status == Status.COMPLETION_FAILED:
            return _("never (requeue to retry)")
        now = timezone.now()
        lease = basket.completion_lease_until
        if lease is not None and lease > now:
            return _("being completed (lease until %(time)s)") % {
                "time": f"{timezone.localtime(lease):%H:%M:%S}"
            }
        interval = int(settings.COMPLETION_INTERVAL.total_seconds())
        return _("next scheduled run (every %(seconds)s s)") % {"seconds": interval}


@admin.register(UnreconciledBasket)
class UnreconciledBasketAdmin(ReadOnlyBasketView):
    """Paid baskets that still have no order after RECONCILE_AFTER: match with the provider."""

    list_display = (
        "basket",
        "status",
        "paid_at",
        "payment_reference",
        "masked_card_number",
        "total",
        "currency",
        "completion_attempts",
        "last_error",
    )

    def get_queryset(self, request):
        cutoff = timezone.now() - settings.RECONCILE_AFTER
        return (
            super()
            .get_queryset(request)
            .filter(paid_at__lt=cutoff, order__isnull=True)
            .order_by("paid_at", "id")
        )
