"""``manage.py shop_import`` (SPEC SH-1): CSV and JSON Lines give the same tables as each
other and as the sync API; a refused row stops the run with its line, nothing written."""

import csv
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from baskets.models import CustomerAccount, Price, Product, Variant
from shopdata.models import ImportRun
from tests.support.clients import api_client, staff_user

CURRENCIES = ["EUR", "JPY", "USD"]
PRODUCTS = [
    {"id": "PRD-1", "name": "Kettle", "prices": {"EUR": "10.00", "JPY": "1500", "USD": "11.00"}},
    {"id": "PRD-2", "name": "Course, advanced", "kind": "course", "unit_of_measure_id": "SEAT",
     "prices": {"EUR": "250.00"}, "updated_at": "2026-03-01T10:00:00+00:00"},
    {"id": "PRD-3", "name": "Withdrawn", "active": False, "prices": {}},
]  # fmt: skip
VARIANTS = [
    {"id": "PRD-1-L", "product_id": "PRD-1", "name": "Large", "prices": {"JPY": "1800"}},
    {"id": "PRD-1-S", "product_id": "PRD-1", "name": "Small"},
]
CUSTOMERS = [
    {"id": "C1", "name": "Northwind", "email": "ap@northwind.example"},
    {"id": "C2", "name": "Prospect", "is_prospect": True},
]


@pytest.fixture(autouse=True)
def currencies(settings):
    settings.SHOP_CURRENCIES = CURRENCIES


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def write_csv(path: Path, records: list[dict]) -> Path:
    """The README's columns: prices as price_<CODE>, everything else by its name."""
    columns = ["id"]
    for record in records:
        for name in record:
            if name != "prices" and name not in columns:
                columns.append(name)
    columns += [f"price_{code}" for code in CURRENCIES]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for record in records:
            row = {name: value for name, value in record.items() if name != "prices"}
            row = {name: str(value).lower() if isinstance(value, bool) else value
                   for name, value in row.items()}  # fmt: skip
            row |= {f"price_{code}": amount for code, amount in record.get("prices", {}).items()}
            writer.writerow(row)
    return path


def tables() -> dict:
    return {
        "products": list(Product.objects.order_by("id").values()),
        "variants": list(Variant.objects.order_by("id").values()),
        "prices": list(
            Price.objects.order_by("product_id", "variant_id", "currency").values(
                "product_id", "variant_id", "currency", "amount"
            )
        ),
        "customers": list(
            CustomerAccount.objects.order_by("erp_account_id").values(
                "erp_account_id", "name", "email", "purchaser_type", "is_prospect", "active",
                "shop_updated_at",
            )
        ),
    }  # fmt: skip


def load_all(directory: Path, writer) -> dict:
    for kind, records in (("products", PRODUCTS), ("variants", VARIANTS),
                          ("customer-accounts", CUSTOMERS)):  # fmt: skip
        suffix = "csv" if writer is write_csv else "jsonl"
        call_command("shop_import", writer(directory / f"{kind}.{suffix}", records), quiet=True)
    return tables()


def wipe() -> None:
    Price.objects.all().delete()
    Variant.objects.all().delete()
    Product.objects.all().delete()
    CustomerAccount.objects.all().delete()


@pytest.mark.django_db
def test_csv_and_json_lines_of_the_same_data_give_identical_tables(tmp_path):
    """SPEC: SH-1 SH-2 — the same records from either format, the same rows."""
    from_csv = load_all(tmp_path, write_csv)
    wipe()
    from_jsonl = load_all(tmp_path, write_jsonl)

    assert from_csv == from_jsonl
    assert len(from_csv["prices"]) == 5
    assert Product.objects.get(pk="PRD-3").active is False
    assert [run.status for run in ImportRun.objects.order_by("id")] == ["done"] * 6


@pytest.mark.django_db
def test_the_import_and_the_sync_api_write_the_same_tables(tmp_path):
    """SPEC: SH-1 — the set-based import decides as the API does (contract), first load and
    a second file with a change, an unchanged row and an older one."""
    changed = [
        {**PRODUCTS[0], "prices": {"EUR": "12.00"}},  # updated: prices replaced
        {**PRODUCTS[1], "name": "Older", "updated_at": "2026-01-01T00:00:00+00:00"},  # older
        PRODUCTS[2],  # unchanged
    ]
    call_command("shop_import", write_jsonl(tmp_path / "products.jsonl", PRODUCTS), quiet=True)
    call_command("shop_import", write_jsonl(tmp_path / "products.jsonl", changed), quiet=True)
    imported = tables()
    run = ImportRun.objects.latest("id")
    assert (run.created, run.updated, run.unchanged) == (0, 1, 2)
    wipe()

    storefront = api_client("storefront", "storefront")
    for batch in (PRODUCTS, changed):
        answer = storefront.post("/api/products/", {"items": batch}, format="json")
        assert {item["result"] for item in answer.json()["items"]} <= {
            "created", "updated", "unchanged"
        }  # fmt: skip

    assert tables() == imported


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "lines", "line", "reason"),
    [
        ("products", ['{"id": "A", "name": "a"}', '{"id": "B", "name": "b", "prices": '
                      '{"JPY": "1.5"}}'], 2, "invalid_price"),
        ("products", ['{"id": "A", "name": "a"}', "", '{"id": "B"'], 3, "not JSON"),
        ("products", ['{"id": "A", "name": "a"}', '{"id": "A", "name": "again"}'], 2,
         "duplicate_id"),
        ("products", ['{"id": "A", "name": "a", "prices": {"XXX": "1"}}'], 1,
         "unsupported_currency"),
        ("variants", ['{"id": "V", "product_id": "NOPE", "name": "v"}'], 1, "unknown_product"),
        ("customer-accounts", ['{"id": "C1", "name": "a"}', '{"id": "C2", "email": "x"}'], 2,
         "invalid_name"),
        ("products", ['{"id": "A", "name": "a", "updated_at": "now"}'], 1,
         "invalid_updated_at"),
        ("products", ['{"id": "A", "name": "a"}', "\\.", '{"id": "B", "name": "b"}'], 2,
         "not JSON"),
        ("products", ['{"id": "A", "name": "a", "colour": "red"}'], 1, "unknown_field"),
    ],
    ids=["bad-price", "bad-json", "duplicate", "no-currency", "unknown-product", "no-name",
         "bad-moment", "copy-end-marker", "unknown-field"],
)  # fmt: skip
def test_a_refused_row_is_reported_with_its_line_and_nothing_is_written(
    tmp_path, kind, lines, line, reason
):
    """SPEC: SH-1 — the line number and the reason; no table changed; the run kept."""
    path = tmp_path / f"{kind}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tables()

    with pytest.raises(CommandError, match=rf"line {line}: .*{reason}"):
        call_command("shop_import", path, quiet=True)

    assert tables() == before
    run = ImportRun.objects.get()
    assert (run.status, run.refused_line) == ("failed", line)
    assert reason in run.refused_reason


@pytest.mark.django_db
def test_a_csv_row_with_a_bad_value_names_its_physical_line(tmp_path):
    """SPEC: SH-1 — CSV line numbers count the header."""
    path = tmp_path / "products.csv"
    path.write_text("id,name,price_EUR\nA,a,1.00\nB,b,abc\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"line 3: invalid_prices"):
        call_command("shop_import", path, quiet=True)
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_csv_value_over_several_lines_keeps_the_line_numbers_and_every_bad_row_is_named(
    tmp_path,
):
    """SPEC: SH-1 — the first bad row's physical line (a quoted name holds a line break),
    and the lines of the other bad rows."""
    path = tmp_path / "products.csv"
    path.write_text(
        'id,name,price_EUR\nA,"Two\nlines",1.00\nB,b,-1\nC,,2.00\nD,d,x\n', encoding="utf-8"
    )

    with pytest.raises(CommandError, match=r"line 4: invalid_prices.*2 more refused rows, on "
                       r"lines 5, 6\)"):  # fmt: skip
        call_command("shop_import", path, quiet=True)
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_csv_column_no_record_has_is_refused_at_the_header(tmp_path):
    """SPEC: SH-1 — an unknown column stops the run at line 1, nothing written."""
    path = tmp_path / "products.csv"
    path.write_text("id,name,colour\nA,a,red\n", encoding="utf-8")

    with pytest.raises(CommandError, match=r"line 1: unknown_field: .*colour"):
        call_command("shop_import", path, quiet=True)
    assert Product.objects.count() == 0


@pytest.mark.django_db
def test_a_time_without_offset_is_in_the_shops_time_zone(tmp_path, settings):
    """SPEC: SH-1 — as the API reads it: ``TIME_ZONE`` applies to a naive date-time."""
    settings.TIME_ZONE = "Europe/Copenhagen"
    path = write_jsonl(tmp_path / "products.jsonl", [
        {"id": "A", "name": "a", "updated_at": "2026-03-01T10:00:00"},
        {"id": "B", "name": "b", "updated_at": "2026-03-01 10:00:00Z"},
    ])  # fmt: skip

    call_command("shop_import", path, quiet=True)

    moments = dict(Product.objects.values_list("id", "shop_updated_at"))
    assert moments["A"].isoformat() == "2026-03-01T09:00:00+00:00"
    assert moments["B"].isoformat() == "2026-03-01T10:00:00+00:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"), [("System administrator", 200), ("Order processor", 403)]
)
def test_import_runs_are_shown_to_system_administrators_only(client, tmp_path, role, expected):
    """SPEC: SH-1 AC-1 — counts and the refused row in the admin."""
    path = tmp_path / "products.jsonl"
    path.write_text('{"id": "A", "name": "a"}\n{"id": "B"}\n', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("shop_import", path, quiet=True)
    client.force_login(staff_user(role))

    page = client.get("/admin/shopdata/importrun/")

    assert page.status_code == expected
    if expected == 200:
        assert "invalid_name" in page.content.decode()
