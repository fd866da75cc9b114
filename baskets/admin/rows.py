"""The grid's rows, rendered straight to HTML.

Django's ``items_for_result`` looks every cell up anew (field lookup, display function,
a template-rendered checkbox widget per row) and is most of a large list page's time;
the rows here are the same markup (classes, link, checkbox the admin's JavaScript uses)
built with one prepared formatter per column.

Everything that is the same for every row is worked out once per page: which function
shows a column, the time zone, the number format, the change link with the grid's
filters. A ModelAdmin column may offer ``prepare_<column>()``, a function from a row to
the cell's HTML made once per page (e.g. with its URLs reversed once).
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from html import escape

from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import lookup_field
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Compact and sortable by eye, in the installation's time zone.
MOMENT_FORMAT = "%Y-%m-%d %H:%M"

# Copies the full basket GUID (the cell shows its first 8 characters); the title and the
# button's word in the staff member's language (``copy_button``).
COPY_BUTTON = (
    '<button type="button" class="copy-guid" data-guid="{{text}}" title="{title}" '
    'onclick="navigator.clipboard.writeText(this.dataset.guid)">{word}</button>'
)


def copy_button() -> str:
    """The copy button's markup with ``{text}`` left for the row's GUID, in the active
    language (made once per page)."""
    return COPY_BUTTON.format(title=_text(_("Copy the full GUID")), word=_text(_("copy")))


# A cell whose HTML is at least this long carries its text as a title (hover to read it all).
TITLE_FROM = 24


def _text(value) -> str:
    return escape(str(value), quote=True)


def _formatter(changelist, name: str) -> tuple[Callable[[object], str], str]:
    """A function from a row to its cell's HTML, and the cell's extra CSS class."""
    model_admin = changelist.model_admin
    empty = _text(model_admin.get_empty_value_display())
    try:
        field = changelist.model._meta.get_field(name)
    except FieldDoesNotExist:
        return _display_formatter(model_admin, name, empty), ""
    attname = field.attname
    if isinstance(field, models.UUIDField):
        # Short enough to keep status and stage on screen at 1440 px; the full GUID is on
        # hover and copied by the button beside it.
        def guid(row):
            value = _text(getattr(row, attname))
            return f'<span class="grid-guid" title="{value}">{value[:8]}…</span>'

        return guid, " nowrap"
    if field.name == "status":
        labels = {key: str(label) for key, label in field.flatchoices}

        def badge(row):
            value = getattr(row, attname)
            return (
                f'<span class="status-badge status-{_text(value)}">'
                f"{_text(labels.get(value, value))}</span>"
            )

        return badge, " nowrap"
    if field.choices:
        labels = {key: str(label) for key, label in field.flatchoices}

        def choice(row):
            value = getattr(row, attname)
            return _text(labels.get(value, value)) if value not in (None, "") else empty

        return choice, ""
    if isinstance(field, models.DateTimeField | models.DateField):
        # ``timezone.localtime`` looks the zone up again for every value.
        zone = timezone.get_current_timezone()

        def moment(row):
            value = getattr(row, attname)
            if value is None:
                return empty
            if isinstance(value, datetime.datetime):
                if timezone.is_naive(value):
                    raise ValueError("localtime() cannot be applied to a naive datetime")
                return value.astimezone(zone).strftime(MOMENT_FORMAT)
            return value.isoformat()

        return moment, " nowrap"
    if isinstance(field, models.DecimalField):
        # ``formats.number_format`` with the separators looked up once, not per value.
        language = get_language()
        separator = get_format("DECIMAL_SEPARATOR", language, use_l10n=True)
        grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
        thousands = get_format("THOUSAND_SEPARATOR", language, use_l10n=True)
        places = field.decimal_places
        # An amount shows its currency where the row has one (the basket's total).
        has_currency = hasattr(changelist.model, "currency")
        currency = "currency" if field.name == "total" and has_currency else ""

        def number(row):
            value = getattr(row, attname)
            if value is None:
                return empty
            amount = numberformat.format(
                Decimal(value), separator, places, grouping, thousands, use_l10n=True
            )
            return f"{amount} {_text(getattr(row, currency))}" if currency else amount

        return number, " nowrap"

    return _plain_formatter(attname, empty), ""


def _plain_formatter(attname: str, empty: str) -> Callable[[object], str]:
    """Text as it is; CSS cuts a long value short, so the whole of it is the title."""

    def plain(row):
        value = getattr(row, attname)
        return _text(value) if value not in (None, "") else empty

    return plain


def _display_formatter(model_admin, name: str, empty: str) -> Callable[[object], str]:
    """A column that is no model field: a ModelAdmin method, else the row's attribute."""

    def shown(value) -> str:
        # As Django's ``display_for_value``: an empty value (marked safe or not) is the
        # empty value display.
        if value in (None, ""):
            return empty
        return value if isinstance(value, SafeString) else _text(value)

    prepare = getattr(model_admin, f"prepare_{name}", None)
    if prepare is not None:
        return prepare()
    if hasattr(model_admin, name) and name != "__str__":
        # Looked up once for the page; Django's ``lookup_field`` does it for every cell.
        display = getattr(model_admin, name)
        return lambda row: shown(display(row))

    def method(row):
        _field, _attr, value = lookup_field(name, row, model_admin)
        return shown(value)

    return method


def _change_link(changelist) -> Callable[[object], str]:
    """The escaped link to a row's page, the grid's filters kept (the same for every row
    but the primary key, so ``add_preserved_filters`` runs once per page)."""
    opts = changelist.opts
    probe = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[0])
    prefix, suffix = probe.rsplit("/0/", 1)
    preserved = {"preserved_filters": changelist.preserved_filters, "opts": opts}
    url = add_preserved_filters(preserved, f"{prefix}/0/{suffix}")
    head, tail = _text(url[: len(prefix) + 1]), _text(url[len(prefix) + 2 :])
    return lambda row: f"{head}{_text(row.pk)}{tail}"


def basket_rows(changelist) -> list[SafeString]:
    """Each result of the changelist as the table row Django's admin would render."""
    names = list(changelist.list_display)
    columns = [(name, *_formatter(changelist, name)) for name in names if name != "action_checkbox"]
    link_names = set(changelist.list_display_links or names[1:2])
    checkbox = "action_checkbox" in names
    link = _change_link(changelist)
    copy_guid = copy_button()
    # Django's own words for the checkbox (``ModelAdmin.action_checkbox``), in its catalogues.
    select_label = _("Select this object for an action - {}")
    rows = []
    for row in changelist.result_list:
        text = _text(row)
        cells = []
        if checkbox:
            cells.append(
                '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
                f'value="{row.pk}" class="action-select" '
                f'aria-label="{format_html(select_label, str(row))}"></td>'
            )
        for name, render, css in columns:
            value = render(row)
            if name in link_names:
                copy = copy_guid.format(text=text) if name == "guid" else ""
                cells.append(
                    f'<th class="field-{name}{css}"><a href="{link(row)}">{value}</a>{copy}</th>'
                )
            elif css or len(value) < TITLE_FROM or "<" in value:
                cells.append(f'<td class="field-{name}{css}">{value}</td>')
            else:
                # Long enough to be cut short by the grid's CSS: the whole value on hover.
                cells.append(f'<td class="field-{name}" title="{value}">{value}</td>')
        # Every piece above was escaped where it was made.
        rows.append(mark_safe(f"<tr>{''.join(cells)}</tr>"))  # noqa: S308
    return rows


def basket_result_list(changelist) -> dict:
    """The context of the grid's ``change_list_results.html``: Django's, with the table's
    body as one string (the template does not loop over rows or cells)."""
    headers = list(result_headers(changelist))
    rows = basket_rows(changelist)
    return {
        "cl": changelist,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": rows,
        "results_html": mark_safe("\n".join(rows)),  # noqa: S308 - rows are escaped HTML
    }
