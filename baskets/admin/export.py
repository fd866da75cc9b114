"""BM-2: the grid's CSV export, one row per basket line, holding exactly the grid's baskets
(a basket with no lines is one row with the line columns empty).

The columns are one map (header -> ORM expression). Every text a client or shopper set is
neutralised against spreadsheet formulas in the SQL itself (AC-3), and the columns holding
personal data are left out for users who may not see it (AC-1). The rows stream out of
``COPY (<the same query>) TO STDOUT WITH CSV``, several times faster than building rows in
Python, and memory stays flat: nothing holds more than one chunk.
"""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation

from basketops.reads import PRIMARY, reading_alias

from ..access import personal_data_visible
from ..filters import BasketFilterSet
from ..models import AccountType, Basket, Stage, Status
from ..personal_data import expression_paths, path_is_personal
from ..spreadsheets import NeutralisedText


def _text(field: str) -> NeutralisedText:
    return NeutralisedText(Coalesce(F(field), Value("")))


def _label(field: str, choices) -> Case:
    """A choice's label, not its code: in English, as the file's headers are."""
    with translation.override("en"):
        labels = [(value, str(label)) for value, label in choices]
    return Case(
        *[When(**{field: value}, then=Value(label)) for value, label in labels],
        default=Value(""),
        output_field=CharField(),
    )


# BM-2's columns, in its order.
EXPORT_COLUMNS: dict[str, object] = {
    "Shop account name": _text("shop_account__name"),
    "Shop account e-mail": _text("shop_account__email"),
    "Account name": _text("customer_account__name"),
    "Account e-mail": _text("customer_account__email"),
    "Account ID": _text("customer_account__erp_account_id"),
    "Account type": _label("account_type", AccountType.choices),
    "Basket ID": F("guid"),
    # Rows come from the baskets LEFT JOINed to their lines: NULL (an empty cell) for a
    # basket with no lines.
    "Product ID": NeutralisedText(F("lines__product_id")),
    "Variant ID": NeutralisedText(F("lines__variant_id")),
    "Quantity": F("lines__quantity"),
    "Unit of measure ID": NeutralisedText(F("lines__unit_of_measure_id")),
    # After BM-2's own columns: what staff sort and total by in a spreadsheet.
    "Status": _label("status", Status.choices),
    "Stage": _label("stage", Stage.choices),
    "Created": F("created_at"),
    "Modified": F("modified_at"),
    "Total": F("total"),
    "Currency": F("currency"),
}


def export_columns(*, personal_data: bool) -> dict[str, object]:
    """The columns this user may export: AC-1 (``baskets.personal_data``) judges each by
    the fields its expression reads."""
    if personal_data:
        return EXPORT_COLUMNS
    return {
        header: value
        for header, value in EXPORT_COLUMNS.items()
        if not any(path_is_personal(Basket, path) for path in expression_paths(value))
    }


def export_rows(
    baskets: QuerySet, *, personal_data: bool = True, using: str = PRIMARY
) -> QuerySet:
    """The export's rows for these baskets, as a values_list in column order, read from
    the database ``using`` names."""
    columns = export_columns(personal_data=personal_data)
    names = [f"c{index}" for index in range(len(columns))]
    return (
        Basket.objects.using(using)
        .filter(pk__in=baskets.using(using).order_by().values("pk"))
        .annotate(**dict(zip(names, columns.values(), strict=True)))
        .order_by("id", "lines__id")
        .values_list(*names)
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _header(headers: list[str]) -> str:
    writer = csv.writer(_Echo())
    return writer.writerow(headers)


# Excel reads a UTF-8 file as UTF-8 only when it starts with the byte order mark.
BOM = "\ufeff".encode()


def stream_csv(rows: QuerySet, headers: list[str]) -> Iterator[bytes]:
    """UTF-8 with a BOM and CRLF after every line (RFC 4180), also inside quoted values:
    PostgreSQL's COPY ends rows with LF, one row per chunk, so each chunk is normalised."""
    sql, params = rows.query.get_compiler(rows.db).as_sql()
    yield BOM + _header(headers).encode()
    with (
        connections[rows.db].cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for chunk in copy:
            yield bytes(chunk).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def basket_export_view(model_admin, request):
    """Stream the CSV of the lines of the baskets the grid shows with the same parameters."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    grid_url = reverse("admin:baskets_basket_changelist")
    if not BasketFilterSet(data=request.GET, request=request).is_valid():
        # The grid shows the filter's errors beside the form; nothing is exported.
        messages.warning(request, "Nothing was exported: correct the filter first.")
        return HttpResponseRedirect(f"{grid_url}?{request.GET.urlencode()}")
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        return HttpResponseRedirect(f"{grid_url}?{ERROR_FLAG}=1")
    personal_data = personal_data_visible(request.user)
    # SC-5: an export decides nothing; it reads the replica while that is recent enough.
    rows = export_rows(changelist.queryset, personal_data=personal_data, using=reading_alias())
    headers = list(export_columns(personal_data=personal_data))
    filename = f"baskets-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(
        stream_csv(rows, headers), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
