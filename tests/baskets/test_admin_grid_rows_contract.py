"""The grid's rows (``baskets.admin.rows``) are Django's changelist rows, made faster (CB-1):
for the same changelist, cell by cell, the same columns, classes, links, checkbox and
content as Django's own ``items_for_result`` gives, apart from what the grid shows on
purpose in its own way:

- a GUID cut to its first 8 characters, the whole of it in the title and a copy button;
- the status as a badge (its label, as Django shows it);
- a basket's total followed by its currency;
- moments as YYYY-MM-DD HH:MM (Django's, given that DATETIME_FORMAT);
- ``nowrap`` on those columns, and the whole text as the title of a long one.
"""

from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.test import override_settings
from django.utils import translation

from baskets.admin.rows import basket_rows
from baskets.models import AccountType, Basket, Salesperson, Stage, Status
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, ShopAccountFactory, basket_in_status

GRID = "/admin/baskets/basket/"
MOMENT = "Y-m-d H:i"  # rows.MOMENT_FORMAT, in Django's date format language


class Cells(HTMLParser):
    """A table row's cells: tag, attributes of the cell and its first link and input, the
    text, and the cell's inner HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html, self.cells, self.depth = html, [], 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("td", "th") and self.depth == 0:
            start = self.getpos()[1] + len(self.get_starttag_text())
            self.cells.append({"tag": tag, "attrs": attrs, "text": "", "start": start})
        elif self.cells:
            cell = self.cells[-1]
            cell.setdefault(tag, attrs)
            if tag == "span" and "title" in attrs:
                cell.setdefault("span_title", attrs["title"])
        if tag in ("td", "th"):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.depth -= 1
            if self.depth == 0:
                cell = self.cells[-1]
                cell["inner"] = self.html[cell.pop("start") : self.getpos()[1]]

    def handle_data(self, data):
        if self.cells and self.depth:
            self.cells[-1]["text"] += data


def django_rows(changelist) -> list[str]:
    return ["".join(items_for_result(changelist, row, None)) for row in changelist.result_list]


def grid_and_django_cells(client, query: str = ""):
    """The grid page's changelist rendered by the grid and by Django, in one setting: no
    translation (so formats come from the settings) and Django told the grid's moment format."""
    changelist = client.get(f"{GRID}{query}").context["cl"]
    assert changelist.result_list, "the page shows baskets"
    with translation.override(None), override_settings(DATETIME_FORMAT=MOMENT):
        grid = [Cells(row).cells for row in basket_rows(changelist)]
        django = [Cells(row).cells for row in django_rows(changelist)]
    return changelist, grid, django


def assert_same_cell(name: str, grid: dict, django: dict, row: Basket, changelist) -> None:
    assert grid["tag"] == django["tag"], name
    grid_classes, django_classes = grid["attrs"]["class"].split(), django["attrs"]["class"].split()
    assert set(grid_classes) - set(django_classes) <= {"nowrap"}, name
    assert set(django_classes) <= set(grid_classes), name
    assert grid.get("a", {}).get("href") == django.get("a", {}).get("href"), name
    if "title" in grid["attrs"]:  # the whole value on hover, as it is in the cell
        assert grid["attrs"]["title"] == django["text"], name
    if name == "action_checkbox":
        assert grid["input"] == django["input"]
        return
    field = next((f for f in row._meta.fields if f.name == name), None)
    if name == "guid":
        assert grid["span_title"] == django["text"] == str(row.guid)
        assert grid["text"] == f"{django['text'][:8]}…copy"
    elif name == "status":
        assert grid["text"] == django["text"] == row.get_status_display()
        assert grid["span"]["class"] == f"status-badge status-{row.status}"
    elif name == "total":
        assert grid["text"] == f"{django['text']} {row.currency}"
    elif field is not None and field.get_internal_type() == "DateTimeField":
        assert grid["text"] == django["text"], name
    else:
        # Everything else as Django writes it, markup and escaping included.
        assert grid["inner"] == django["inner"], name


def assert_rows_are_djangos(changelist, grid, django) -> None:
    names = list(changelist.list_display)
    assert len(grid) == len(django) == len(changelist.result_list)
    for row, grid_cells, django_cells in zip(changelist.result_list, grid, django, strict=True):
        assert len(grid_cells) == len(django_cells) == len(names)
        for name, grid_cell, django_cell in zip(names, grid_cells, django_cells, strict=True):
            assert_same_cell(name, grid_cell, django_cell, row, changelist)


@pytest.fixture
def baskets():
    """Baskets between them filling every kind of column the grid has: empty and long
    values, text that must be escaped, each status, a salesperson's, an anonymous one."""
    moment = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)
    BasketFactory(customer=True, total=Decimal("1234567.5"), currency="EUR", created_at=moment)
    BasketFactory(
        customer=True,
        booking_id="BK-<b>&\"'",
        billing_object="Northwind Traders / Cost centre 7 / Department of long names",
        purchaser_type="account",
        purchaser_id="ERP-7",
        booked_user_id="U-9",
        stage=Stage.MANAGE_BOOKING,
    )
    seller = Salesperson.objects.create(shop_account=ShopAccountFactory(name="Seller <i>"))
    BasketFactory(salesperson=seller, account_type=AccountType.CUSTOMER, purchaser_label="S")
    BasketFactory(total=Decimal("0.10"), currency="JPY")
    for status in (Status.LOCKED, Status.COMPLETION_FAILED, Status.AWAITING_COMPLETION):
        basket_in_status(status, customer=True)
    Basket.objects.filter(status=Status.LOCKED).update(
        masked_card_number="4111 11** **** 1111", payment_reference="PAY-<1>"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["System administrator", "Order processor"])
@pytest.mark.parametrize("query", ["?scope=all", "?cart=locked"])
def test_the_grids_rows_are_djangos_changelist_rows(client, baskets, role, query):
    client.force_login(staff_user(role))
    assert_rows_are_djangos(*grid_and_django_cells(client, query))
