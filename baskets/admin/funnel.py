"""Seed 000: where shoppers stop. For a date range (baskets created then) and optionally a
product: how many baskets reached each checkout point, how many stopped there, as a chart
and a table; each "stopped" count links to the grid filtered to exactly those baskets."""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from basketops.reads import reading_alias

from ..filters import (
    DateRangeForm,
    DayBoundField,
    Scope,
    date_format_example,
)
from ..selectors import basket_funnel

# The funnel's default range, and the longest one it counts.
FUNNEL_DEFAULT_DAYS = 30
FUNNEL_MAX_DAYS = 366
# The chart's drawing size (SVG user units).
CHART_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 600, 22, 170


class FunnelForm(DateRangeForm):
    max_days = FUNNEL_MAX_DAYS

    date_from = DayBoundField(label=gettext_lazy("Created from"))
    date_to = DayBoundField(label=gettext_lazy("Created to"))
    product = forms.CharField(label=gettext_lazy("Product ID"), required=False, max_length=60)


class FunnelAdminMixin:
    """Adds ``baskets/basket/funnel/`` to the basket admin (whoever may view baskets)."""

    def funnel_urls(self) -> list:
        return [
            path(
                "funnel/",
                self.admin_site.admin_view(self.funnel_view),
                name="baskets_basket_funnel",
            )
        ]

    def funnel_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        data = request.GET.copy()
        data.setdefault("date_from", str(today - timedelta(days=FUNNEL_DEFAULT_DAYS - 1)))
        data.setdefault("date_to", str(today))
        form = FunnelForm(data)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Checkout funnel"),
            "form": form,
            "opts": self.model._meta,
            "date_example": date_format_example(),
        }
        if not form.is_valid():
            return TemplateResponse(
                request, "admin/baskets/basket/funnel.html", context, status=400
            )
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        product = form.cleaned_data["product"].strip()
        # SC-5: the funnel decides nothing; it reads the replica while that is recent.
        rows = basket_funnel(
            date_from=date_from, date_to=date_to, product=product, using=reading_alias()
        )
        grid = reverse("admin:baskets_basket_changelist")
        query = {
            "scope": Scope.ALL,
            "created_after": date_from.isoformat(),
            "created_before": date_to.isoformat(),
            **({"product": product} if product else {}),
        }
        top = max((row.reached for row in rows), default=0) or 1
        bar_room = CHART_WIDTH - LABEL_WIDTH - 60
        context["rows"] = [
            {
                "row": row,
                "grid_url": f"{grid}?{urlencode({**query, 'stopped_at': row.point})}",
                "drop_off": "" if row.drop_off is None else f"{row.drop_off:.0%}",
                "y": index * (BAR_HEIGHT + 6),
                "text_y": index * (BAR_HEIGHT + 6) + BAR_HEIGHT - 6,
                "width": round(bar_room * row.reached / top),
            }
            for index, row in enumerate(rows)
        ]
        context["chart"] = {
            "width": CHART_WIDTH,
            "height": len(rows) * (BAR_HEIGHT + 6),
            "bar_height": BAR_HEIGHT,
            "label_width": LABEL_WIDTH,
        }
        return TemplateResponse(request, "admin/baskets/basket/funnel.html", context)
