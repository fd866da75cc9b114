"""The one filter definition shared by the admin grid, its CSV export and the REST API (BM-3).

Every parameter is validated by the form django-filter builds: a malformed GUID or date is
a form error with a clear message, never a database error.
"""

from datetime import date, datetime, time, timedelta

import django_filters
import django_filters.constants
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .access import personal_data_visible
from .models import AccountType, Basket, Line, PurchaserType, Stage, Status
from .models.basket import STAGE_ORDER
from .search import TooManyAccounts, salesperson_ids, shop_account_ids_named

# The dates staff type, in the language the admin speaks to them (``basketops.formats``:
# MM/DD/YYYY in English (AB-3), day first in Danish, Dutch and German), and ISO dates in
# every language. Every date form (the grid, the reports, the analytics, the funnel) takes
# these and says the same.
DATE_INPUT_FORMATS = formats.get_format_lazy("DATE_INPUT_FORMATS")
_FORMAT_PARTS = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY"}


def date_format_example() -> str:
    """The active language's own way to type a date: "MM/DD/YYYY", "DD.MM.YYYY"."""
    first = formats.get_format("DATE_INPUT_FORMATS")[0]
    for part, letters in _FORMAT_PARTS.items():
        first = first.replace(part, letters)
    return first


def _date_invalid_message() -> str:
    return _("Enter the date as %(example)s or YYYY-MM-DD.") % {"example": date_format_example()}


DATE_INVALID_MESSAGE = lazy(_date_invalid_message, str)()


class DatePickerInput(forms.DateInput):
    """The browser's date picker (no script, no CDN); it sends an ISO date, shows it the
    way the browser's language writes dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateEntryField(forms.DateField):
    """A date typed or picked the same way in every staff form."""

    widget = DatePickerInput
    default_error_messages = {"invalid": DATE_INVALID_MESSAGE}


class DateRangeForm(forms.Form):
    """A From / To range of whole days (its fields are the subclass's ``date_from`` and
    ``date_to``): From not after To, and at most ``max_days`` days, for every staff page
    that counts over a range."""

    max_days = 366

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                raise forms.ValidationError(_("The From date must not be after the To date."))
            if (date_to - date_from).days >= self.max_days:
                raise forms.ValidationError(
                    _("Choose at most %(days)d days.") % {"days": self.max_days}
                )
        return cleaned


class GuidField(forms.UUIDField):
    default_error_messages = {
        "invalid": gettext_lazy("Enter a valid GUID, like 3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c.")
    }


class GuidFilter(django_filters.Filter):
    field_class = GuidField


class DayBoundField(DateEntryField):
    """A date whose day, from midnight to the next midnight in any time zone, is a moment
    Python and the database hold: 9999-12-31 has no next day, and is refused as a date."""

    FIRST, LAST = date(1, 1, 2), date(9999, 12, 30)

    def validate(self, value):
        super().validate(value)
        if value and not self.FIRST <= value <= self.LAST:
            raise forms.ValidationError(
                _("Enter a date from %(first)s to %(last)s.")
                % {"first": self.FIRST.isoformat(), "last": self.LAST.isoformat()},
                code="out_of_range",
            )


class DayBoundFilter(django_filters.DateFilter):
    """A whole-day bound on a timestamp, as a plain range so the column's index is used."""

    field_class = DayBoundField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        start = timezone.make_aware(datetime.combine(value, time.min))
        if self.lookup_expr == "gte":
            return qs.filter(**{f"{self.field_name}__gte": start})
        return qs.filter(**{f"{self.field_name}__lt": start + timedelta(days=1)})


def additional_information_missing_q() -> Q:
    """CB-6: moved on past the additional-information stage without the information being
    supplied (or flagged by staff); a basket still before or at that stage is not missing it."""
    later = STAGE_ORDER[STAGE_ORDER.index(Stage.ADDITIONAL_INFORMATION) + 1 :]
    return Q(stage__in=later, additional_information_supplied_at__isnull=True)


def basket_open_q() -> Q:
    """BM-5: an open basket has no order yet. Completion makes the order and completes the
    basket in one transaction, so "no order" is "not Completed": one indexed column, no
    anti-join over the orders table on every grid page."""
    return ~Q(status=Status.COMPLETED)


# Seed 000's checkout funnel: the furthest point a basket reached, in order. The first five
# are checkout stages (a basket not paid yet); then paid, then completed (an order).
class FunnelPoint(models.TextChoices):
    BASKET = "basket", gettext_lazy("Basket")
    LOGIN_REGISTER = "login_register", gettext_lazy("Login / register")
    ADDITIONAL_INFORMATION = "additional_information", gettext_lazy("Additional information")
    MANAGE_BOOKING = "manage_booking", gettext_lazy("Manage booking")
    PAYMENT = "payment", gettext_lazy("Payment")
    PAID = "paid", gettext_lazy("Paid")
    COMPLETED = "completed", gettext_lazy("Completed")


FUNNEL_ORDER: tuple[str, ...] = tuple(FunnelPoint.values)


def funnel_stopped_at_q(point: str) -> Q:
    """Seed 000: baskets whose furthest point is ``point`` (they stopped there). An unpaid
    basket at the confirmation stage counts as stopped at payment."""
    if point == FunnelPoint.COMPLETED:
        return Q(status=Status.COMPLETED)
    unpaid = Q(paid_at__isnull=True) & ~Q(status=Status.COMPLETED)
    if point == FunnelPoint.PAID:
        return Q(paid_at__isnull=False) & ~Q(status=Status.COMPLETED)
    if point == FunnelPoint.PAYMENT:
        return unpaid & Q(stage__in=[Stage.PAYMENT, Stage.CONFIRMATION])
    return unpaid & Q(stage=point)


def basket_has_product_q(product_id: str) -> Q:
    """Baskets with a line of ``product_id`` (EXISTS: no duplicate rows, no DISTINCT)."""
    return Q(Exists(Line.objects.filter(basket_id=OuterRef("pk"), product_id=product_id)))


class Scope(models.TextChoices):
    """Which part of the baskets' life the grid shows (seed 001 vs seed 000)."""

    OPEN = "open", gettext_lazy("Open baskets (no order yet)")
    ALL = "all", gettext_lazy("All baskets, with history")
    HISTORY = "history", gettext_lazy("History only (with an order)")


# The grid opens on the open baskets (BM-5); the list API and a bare export URL take all.
GRID_DEFAULT_SCOPE = Scope.OPEN


class BasketFilterSet(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(
        choices=Scope.choices, method="filter_scope", label=gettext_lazy("Show"), empty_label=None
    )
    # Several statuses or stages at once: ?status=completion_failed&status=locked. No
    # DISTINCT (django-filter's default for several values): a basket's own column never
    # repeats a row, and DISTINCT makes PostgreSQL sort every matching basket, joins and
    # all, before the page's LIMIT instead of reading the first ones in index order.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    purchaser_type = django_filters.ChoiceFilter(choices=PurchaserType.choices)
    account_type = django_filters.ChoiceFilter(choices=AccountType.choices)
    guid = GuidFilter(field_name="guid", label=gettext_lazy("Basket ID (GUID)"))
    shop_account_id = GuidFilter(
        field_name="shop_account__guid", label=gettext_lazy("Shop account ID (GUID)")
    )
    # Any part of the name ("Dubois" finds Sam Dubois), through the shop accounts' trigram
    # index (``baskets.search``).
    shop_account_name = django_filters.CharFilter(
        method="filter_shop_account_name", label=gettext_lazy("Shop account name (or part of it)")
    )
    # Who made the basket: the shopper's login, or the salesperson's for a customer. A part
    # of the name for those who may see personal data, the whole name otherwise (AC-1).
    creator = django_filters.CharFilter(
        method="filter_creator", label=gettext_lazy("Creator (name)")
    )
    shop_account_email = django_filters.CharFilter(
        field_name="shop_account__email",
        lookup_expr="iexact",
        label=gettext_lazy("Shop account e-mail"),
    )
    account_id = django_filters.CharFilter(
        field_name="customer_account__erp_account_id", label=gettext_lazy("ERP account ID")
    )
    created_after = DayBoundFilter(
        field_name="created_at", lookup_expr="gte", label=gettext_lazy("Created from")
    )
    created_before = DayBoundFilter(
        field_name="created_at", lookup_expr="lte", label=gettext_lazy("Created to")
    )
    modified_after = DayBoundFilter(
        field_name="modified_at", lookup_expr="gte", label=gettext_lazy("Modified from")
    )
    modified_before = DayBoundFilter(
        field_name="modified_at", lookup_expr="lte", label=gettext_lazy("Modified to")
    )
    additional_information_missing = django_filters.BooleanFilter(
        method="filter_additional_information_missing",
        label=gettext_lazy("Additional information missing"),
    )
    # Seed 000: what shoppers leave behind.
    product = django_filters.CharFilter(method="filter_product", label=gettext_lazy("Product ID"))
    last_activity_after = DayBoundFilter(
        field_name="last_activity_at", lookup_expr="gte", label=gettext_lazy("Last activity from")
    )
    last_activity_before = DayBoundFilter(
        field_name="last_activity_at", lookup_expr="lte", label=gettext_lazy("Last activity to")
    )
    abandoned = django_filters.BooleanFilter(
        field_name="abandoned_at",
        lookup_expr="isnull",
        exclude=True,
        label=gettext_lazy("Abandoned"),
    )
    stopped_at = django_filters.ChoiceFilter(
        choices=FunnelPoint.choices,
        method="filter_stopped_at",
        label=gettext_lazy("Stopped at (funnel)"),
    )

    class Meta:
        model = Basket
        fields: list[str] = []

    def filter_scope(self, queryset: QuerySet, name: str, value):
        if value == Scope.OPEN:
            return queryset.filter(basket_open_q())
        if value == Scope.HISTORY:
            return queryset.exclude(basket_open_q())
        return queryset

    def is_valid(self) -> bool:
        """AC-1: filtering on shop-account personal data is refused (an error on the field,
        never all rows) for users who may not see it; without a request (code) it is open."""
        valid = super().is_valid()
        if self.request is None or personal_data_visible(self.request.user):
            return valid and self._shop_accounts_find() and self._creators_find(fragment=True)
        valid = valid and self._creators_find(fragment=False)
        for name in PERSONAL_DATA_FILTERS:
            if self.form.data.get(name) not in (None, "") and name in self.form.fields:
                if name not in self.form.errors:
                    self.form.add_error(
                        name, _("You may not filter baskets by shop-account personal data.")
                    )
                valid = False
        return valid

    def filter_shop_account_name(self, queryset: QuerySet, name: str, value):
        if not value:
            return queryset
        return queryset.filter(shop_account_id__in=self._account_ids["shop_account_name"])

    def filter_creator(self, queryset: QuerySet, name: str, value):
        if not value:
            return queryset
        accounts = self._account_ids["creator"]
        return queryset.filter(
            Q(shop_account_id__in=accounts) | Q(salesperson_id__in=salesperson_ids(accounts))
        )

    def _shop_accounts_find(self) -> bool:
        return self._accounts_find("shop_account_name", fragment=True)

    def _creators_find(self, *, fragment: bool) -> bool:
        return self._accounts_find("creator", fragment=fragment)

    def _accounts_find(self, field: str, *, fragment: bool) -> bool:
        """The shop accounts a name filter names, looked up once; a fragment too vague to
        list is an error on the field."""
        value = getattr(self.form, "cleaned_data", {}).get(field)
        if not value:
            return True
        try:
            ids = shop_account_ids_named(value, fragment=fragment)
        except TooManyAccounts as error:
            self.form.add_error(field, str(error))
            return False
        self._account_ids = {**getattr(self, "_account_ids", {}), field: ids}
        return True

    def filter_product(self, queryset: QuerySet, name: str, value):
        return queryset.filter(basket_has_product_q(value)) if value else queryset

    def filter_stopped_at(self, queryset: QuerySet, name: str, value):
        return queryset.filter(funnel_stopped_at_q(value)) if value else queryset

    def filter_additional_information_missing(self, queryset: QuerySet, name: str, value):
        if value is None:
            return queryset
        condition = additional_information_missing_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)


BASKET_FILTER_PARAMETERS: tuple[str, ...] = tuple(BasketFilterSet.base_filters)
# AC-1: who the shop account is (its name, e-mail or GUID) is personal data.
PERSONAL_DATA_FILTERS = ("shop_account_name", "shop_account_email", "shop_account_id")
