"""The staff grid (CB-1, BM-3), detail (CB-2), actions (CB-5, CB-6, BM-1), export (BM-2)."""

import codecs
import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from baskets.models import Basket, BasketBulkJob, BasketEvent, Salesperson, Stage, Status
from baskets.roles import roles_ensure
from baskets.services.bulk_jobs import basket_bulk_job_run
from tests.support.factories import (
    BasketFactory,
    LineFactory,
    ShopAccountFactory,
    UserFactory,
    basket_in_status,
)

GRID = "/admin/baskets/basket/"


def staff(role: str):
    user = UserFactory(username=role.lower().replace(" ", "_"), is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def administrator(client):
    client.force_login(staff("System administrator"))
    return client


@pytest.fixture
def processor(client):
    client.force_login(staff("Order processor"))
    return client


@pytest.mark.django_db
def test_grid_lists_baskets_with_a_fixed_number_of_queries(
    administrator, django_assert_max_num_queries
):
    """SPEC: CB-1 CB-7 — the grid's columns, anonymous baskets recognisable, no per-row query."""
    for _ in range(60):
        BasketFactory(customer=True, booking_id="BK1", billing_object="Northwind / C1")
    for index in range(5):
        seller = Salesperson.objects.create(shop_account=ShopAccountFactory(name=f"Seller {index}"))
        BasketFactory(salesperson=seller, account_type="customer", purchaser_label="Seller")
    anonymous = BasketFactory()
    with django_assert_max_num_queries(12):
        response = administrator.get(GRID)
    assert response.status_code == 200
    page = response.content.decode()
    for header in (
        "Creator",
        "Booking ID",
        "Billing object",
        "Purchaser label",
        "Purchaser type",
        "Purchaser ID",
        "Booked user ID",
        "Status",
        "Stage",
        "Created at",
        "Modified at",
        "Total",
    ):
        assert header in page, header
    assert str(anonymous.guid) in page
    assert "(anonymous)" in page
    assert '<td class="field-creator">Seller 4</td>' in page


@pytest.mark.django_db
def test_malformed_guid_filter_is_a_message_not_an_error(administrator):
    """SPEC: BM-3 — a malformed GUID gets a clear message and no rows."""
    BasketFactory()
    response = administrator.get(GRID, {"guid": "f45c73dd-3003-460c"}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("Enter a valid GUID" in m for m in messages)
    assert response.context["cl"].result_count == 0


@pytest.mark.django_db
def test_malformed_search_and_date_are_messages(administrator):
    """SPEC: BM-3"""
    response = administrator.get(GRID, {"q": "f45c73dd-3003-460c-8ba8-54876d9c02fz"})
    assert response.status_code == 200
    assert any("not a valid GUID" in str(m) for m in response.context["messages"])
    response = administrator.get(GRID, {"created_after": "13/45/2026"})
    assert response.status_code == 200
    assert any("Created from" in str(m) for m in response.context["messages"])


@pytest.mark.django_db
@pytest.mark.parametrize("bound", ["created_before", "created_after", "modified_before"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_dates_without_a_whole_day_are_messages_in_the_grid_and_the_export(
    administrator, bound, day
):
    """SPEC: section 7 BM-3 — a day with no next (or previous) midnight is refused as a date:
    a message and no rows, not an error page."""
    BasketFactory()
    response = administrator.get(GRID, {bound: day})
    assert response.status_code == 200
    assert any("Enter a date from 0001-01-02" in str(m) for m in response.context["messages"])
    assert response.context["cl"].result_count == 0
    response = administrator.get(f"{GRID}export/", {bound: day}, follow=True)
    assert response.status_code == 200
    assert any("Nothing was exported" in str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_filters_narrow_the_grid(administrator):
    """SPEC: BM-3 CB-6"""
    target = BasketFactory(customer=True)
    other = BasketFactory(customer=True)
    old = BasketFactory(created_at=timezone.now() - timedelta(days=30))
    flagged = BasketFactory(
        stage="payment", additional_information_supplied_at=timezone.now()
    )
    missing = BasketFactory(stage="manage_booking")

    def shown(**params):
        response = administrator.get(GRID, params)
        assert response.status_code == 200
        return {basket.pk for basket in response.context["cl"].result_list}

    assert shown(guid=str(target.guid)) == {target.pk}
    assert shown(q=str(target.guid)) == {target.pk}
    assert shown(shop_account_id=str(other.shop_account.guid)) == {other.pk}
    assert shown(shop_account_email=target.shop_account.email.upper()) == {target.pk}
    assert shown(q=target.shop_account.email) == {target.pk}
    assert shown(account_id=target.customer_account.erp_account_id) == {target.pk}
    assert shown(shop_account_name=other.shop_account.name) == {other.pk}
    assert shown(account_type="anonymous") == {old.pk, flagged.pk, missing.pk}
    before = (timezone.now() - timedelta(days=10)).strftime("%m/%d/%Y")
    assert shown(created_before=before) == {old.pk}
    # Past the additional-information stage without it: missing; before it or flagged: not.
    assert shown(additional_information_missing="true") == {missing.pk}
    assert shown(additional_information_missing="false") == {
        target.pk, other.pk, old.pk, flagged.pk
    }


@pytest.mark.django_db
def test_export_holds_exactly_the_filtered_baskets_lines(administrator):
    """SPEC: BM-2"""
    wanted = BasketFactory(customer=True)
    LineFactory(
        basket=wanted, product_id="CRS-1", variant_id="", quantity=1, unit_of_measure_id="SEAT"
    )
    LineFactory(basket=wanted, product_id="PRD-2", variant_id="PRD-2-M", quantity=3)
    other = BasketFactory()
    LineFactory(basket=other, product_id="PRD-9")

    response = administrator.get(f"{GRID}export/", {"account_type": "customer"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == [
        "Shop account name",
        "Shop account e-mail",
        "Account name",
        "Account e-mail",
        "Account ID",
        "Account type",
        "Basket ID",
        "Product ID",
        "Variant ID",
        "Quantity",
        "Unit of measure ID",
        "Status",
        "Stage",
        "Created",
        "Modified",
        "Total",
        "Currency",
    ]
    account, customer = wanted.shop_account, wanted.customer_account
    prefix = [
        account.name,
        account.email,
        customer.name,
        customer.email,
        customer.erp_account_id,
        "Customer",
        str(wanted.guid),
    ]
    assert [row[:11] for row in rows[1:]] == [
        prefix + ["CRS-1", "", "1", "SEAT"],
        prefix + ["PRD-2", "PRD-2-M", "3", "EA"],
    ]
    assert [row[11:13] for row in rows[1:]] == [["Active", wanted.get_stage_display()]] * 2
    assert [row[15:] for row in rows[1:]] == [[str(wanted.total), wanted.currency]] * 2


@pytest.mark.django_db
def test_export_opens_in_excel_with_a_bom_and_crlf_throughout(administrator):
    """SPEC: BM-2 — UTF-8 with a byte order mark (Excel reads "Chloé"), every line ended
    by CRLF, a line break inside a value too."""
    basket = BasketFactory(customer=True, purchaser_label="x")
    basket.customer_account.name = "Chloé\nDupont"
    basket.customer_account.save()
    LineFactory(basket=basket, product_id="CRS-1")
    LineFactory(basket=basket, product_id="CRS-2")

    content = b"".join(administrator.get(f"{GRID}export/").streaming_content)

    assert content.startswith(codecs.BOM_UTF8)
    assert content.count(b"\n") == content.count(b"\r\n") == 5  # 3 rows, 2 inside values
    assert b"\r\r" not in content
    with io.StringIO(content.decode("utf-8-sig"), newline="") as text:
        rows = list(csv.reader(text))
    assert len(rows) == 3
    assert rows[1][2] == rows[2][2] == "Chloé\r\nDupont"


@pytest.mark.django_db
def test_export_with_a_malformed_filter_exports_nothing(administrator):
    """SPEC: BM-2 BM-3"""
    response = administrator.get(f"{GRID}export/", {"guid": "nope"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(GRID + "?")
    assert any("Nothing was exported" in str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_detail_shows_items_and_timeline(administrator):
    """SPEC: CB-2"""
    basket = basket_in_status(Status.LOCKED)
    LineFactory(basket=basket, product_id="CRS-0042", kind="course", booked_user_id="U000042")
    response = administrator.get(f"{GRID}{basket.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "CRS-0042" in page and "U000042" in page
    assert "System: tests" in page and "test lock" in page


@pytest.mark.django_db
def test_order_processor_cannot_see_shop_accounts(processor):
    """SPEC: BM-4 BM-5"""
    basket = BasketFactory(customer=True)
    detail = processor.get(f"{GRID}{basket.pk}/change/")
    assert detail.status_code == 200
    assert "/admin/baskets/shopaccount/" not in detail.content.decode()
    assert (
        processor.get(f"/admin/baskets/shopaccount/{basket.shop_account.pk}/change/").status_code
        == 403
    )
    assert processor.get("/admin/baskets/shopaccount/").status_code == 403


@pytest.mark.django_db
def test_administrator_gets_the_shop_account_link_unless_anonymous_or_deleted(administrator):
    """SPEC: BM-5"""
    basket = BasketFactory(customer=True)
    page = administrator.get(f"{GRID}{basket.pk}/change/").content.decode()
    assert f"/admin/baskets/shopaccount/{basket.shop_account.pk}/change/" in page
    basket.shop_account.delete()
    page = administrator.get(f"{GRID}{basket.pk}/change/").content.decode()
    assert "View shop account" not in page
    assert "(anonymous or deleted)" in page


def post_action(client, action, baskets, **extra):
    """An admin action on the grid showing every basket (open ones and the history)."""
    data = {"action": action, "_selected_action": [b.pk for b in baskets], **extra}
    return client.post(f"{GRID}?scope=all", data, follow=True)


def basket_rows_snapshot() -> list:
    return [
        list(Basket.objects.order_by("pk").values()),
        list(BasketEvent.objects.order_by("pk").values()),
    ]


@pytest.mark.django_db
def test_complete_manage_booking_step_advances_the_stage_once(administrator):
    """SPEC: CB-5 — at the manage-booking stage: flag set, stage moves to Payment, one event;
    again: "already done", nothing changes."""
    basket = BasketFactory(stage=Stage.MANAGE_BOOKING)

    first = post_action(administrator, "complete_manage_booking", [basket])
    before = basket_rows_snapshot()
    again = post_action(administrator, "complete_manage_booking", [basket])

    basket.refresh_from_db()
    assert [str(m) for m in first.context["messages"]] == [
        "Manage booking step completed: 1 basket(s)."
    ]
    assert basket.manage_booking_completed_at is not None and basket.stage == Stage.PAYMENT
    assert BasketEvent.objects.filter(basket=basket, action="complete_manage_booking").count() == 1
    assert [str(m) for m in again.context["messages"]] == ["1 basket(s) were already done."]
    assert basket_rows_snapshot() == before


@pytest.mark.parametrize(
    ("status", "stage", "message"),
    [
        (Status.COMPLETED, Stage.MANAGE_BOOKING, "the basket is Completed, not Active."),
        (Status.LOCKED, Stage.MANAGE_BOOKING, "the basket is Locked, not Active."),
        (Status.ACTIVE, Stage.BASKET, "the basket is at the Basket stage, not Manage booking."),
        (
            Status.ACTIVE,
            Stage.ADDITIONAL_INFORMATION,
            "the basket is at the Additional information stage, not Manage booking.",
        ),
    ],
    ids=["completed", "locked", "basket-stage", "additional-information-stage"],
)
@pytest.mark.django_db
def test_complete_manage_booking_step_is_refused_and_changes_nothing(
    administrator, status, stage, message
):
    """SPEC: CB-5 — a Completed (or other non-Active) basket, or one not at the manage-booking
    stage, is refused with a message naming the reason; nothing changes."""
    basket = basket_in_status(status, stage=stage)
    before = basket_rows_snapshot()

    response = post_action(administrator, "complete_manage_booking", [basket])

    assert [str(m) for m in response.context["messages"]] == [
        f"Refused {basket.guid}: Cannot complete the manage booking step: {message}"
    ]
    assert basket_rows_snapshot() == before


@pytest.mark.django_db
def test_flag_additional_information(administrator):
    """SPEC: CB-6"""
    basket = BasketFactory()
    post_action(administrator, "flag_additional_information", [basket])
    event = BasketEvent.objects.get(basket=basket, action="flag_additional_information")
    assert event.actor_label == "staff:system_administrator"


@pytest.mark.parametrize(
    "status",
    [Status.LOCKED, Status.AWAITING_COMPLETION, Status.COMPLETED, Status.COMPLETION_FAILED],
    ids=lambda status: status.value,
)
@pytest.mark.django_db
def test_flag_additional_information_is_refused_unless_active(administrator, status):
    """SPEC: CB-6 — only an Active basket can be flagged; a Completed (or other) basket is
    refused with a message and nothing changes."""
    basket = basket_in_status(status, stage=Stage.PAYMENT)
    before = basket_rows_snapshot()

    response = post_action(administrator, "flag_additional_information", [basket])

    assert [str(m) for m in response.context["messages"]] == [
        f"Refused {basket.guid}: Cannot flag additional information: the basket is "
        f"{status.label}, not Active."
    ]
    assert basket_rows_snapshot() == before
    assert not BasketEvent.objects.filter(action="flag_additional_information").exists()


@pytest.mark.django_db
def test_delete_action_confirms_deletes_and_keeps_the_timeline(administrator):
    """SPEC: BM-1 — delete asks first, refuses paid baskets, records every deletion."""
    old = BasketFactory()
    LineFactory(basket=old, product_id="PRD-7", quantity=2)
    completed = basket_in_status(Status.COMPLETED)

    confirmation = post_action(administrator, "delete_baskets", [old, completed])
    assert "Delete these baskets?" in confirmation.content.decode()
    assert Basket.objects.filter(pk=old.pk).exists()

    response = post_action(
        administrator, "delete_baskets", [old, completed], confirmed="yes", reason="broken basket"
    )
    # BM-1: the deletion is a background job; its page shows it queued, then its result
    job = BasketBulkJob.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/baskets/basket/jobs/{job.pk}/"
    assert "Delete baskets: 2 basket(s), in the background" in response.content.decode()
    assert Basket.objects.filter(pk=old.pk).exists()
    basket_bulk_job_run(job_id=job.pk)
    page = administrator.get(f"/admin/baskets/basket/jobs/{job.pk}/").content.decode()
    assert "1 deleted, 1 refused" in page and str(completed.guid) in page
    assert 'http-equiv="refresh"' not in page
    assert not Basket.objects.filter(pk=old.pk).exists()
    assert Basket.objects.filter(pk=completed.pk).exists()
    event = BasketEvent.objects.get(basket_guid=old.guid, action="delete")
    assert event.basket_id is None
    assert event.reason == "broken basket"
    assert event.payload["lines"][0]["product_id"] == "PRD-7"


@pytest.mark.django_db
def test_event_search_with_a_malformed_guid_is_a_message(administrator):
    response = administrator.get("/admin/baskets/basketevent/", {"q": "zzz"})
    assert response.status_code == 200
    assert any("not a valid GUID" in str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_unknown_basket_id_in_the_admin_is_handled(administrator):
    response = administrator.get(f"{GRID}999999/change/", follow=True)
    assert response.status_code == 200
    assert any("doesn’t exist" in str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_admin_index_shows_the_business_settings(administrator, settings):
    settings.COMPLETION_MAX_ATTEMPTS = 4
    page = administrator.get("/admin/").content.decode()
    assert "Business settings" in page
    assert "<th scope=\"row\">COMPLETION_MAX_ATTEMPTS</th><td>4</td>" in page
    assert "PENDING_PAYMENT_POLICY" in page


@pytest.mark.django_db
def test_grid_rows_carry_the_admin_markup_and_readable_values(administrator):
    """SPEC: CB-1 — checkbox for actions, link to the basket, labels, local times, totals."""
    locked = basket_in_status(Status.LOCKED, total="1234.50", booking_id="BK<1>")
    page = administrator.get(GRID).content.decode()
    assert (f'<input type="checkbox" name="_selected_action" value="{locked.pk}" '
            'class="action-select"') in page
    assert (
        f'<th class="field-guid nowrap"><a href="/admin/baskets/basket/{locked.pk}/change/'
        in page
    )
    assert (
        f'<span class="grid-guid" title="{locked.guid}">{str(locked.guid)[:8]}…</span>' in page
    )
    assert (
        '<td class="field-status nowrap"><span class="status-badge status-locked">Locked'
        "</span></td>"
    ) in page
    assert '<td class="field-account_type">Anonymous</td>' in page
    assert '<td class="field-booking_id">BK&lt;1&gt;</td>' in page
    assert '<td class="field-total nowrap">1234.50 EUR</td>' in page
    created = timezone.localtime(locked.created_at).strftime("%Y-%m-%d %H:%M")
    assert f'<td class="field-created_at nowrap">{created}</td>' in page


def test_every_grid_column_is_loaded_by_the_grid_query():
    """SPEC: CB-1 — a column the grid query does not load would cost one query per row."""
    from django.contrib import admin as django_admin
    from django.core.exceptions import FieldDoesNotExist

    from baskets.selectors import GRID_COLUMNS

    model_admin = django_admin.site._registry[Basket]
    for name in model_admin.list_display:
        try:
            Basket._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        assert name in GRID_COLUMNS, name


@pytest.mark.parametrize(
    ("role", "shown"),
    [("System administrator", True), ("Order processor", False)],
    ids=["administrator-sees-identity", "order-processor-does-not"],
)
@pytest.mark.django_db
def test_identity_columns_only_for_those_who_may_see_personal_data(client, role, shown):
    """SPEC: BM-5 AC-1 — seed 001's shop account e-mail, customer name and e-mail are grid
    columns for System administrators only; the ERP account ID (no personal data: staff
    search by it, and the export holds it) for both roles."""
    client.force_login(staff(role))
    basket = BasketFactory(customer=True)

    page = client.get(GRID).content.decode()

    cells = [
        f'<td class="field-shop_account_email">{basket.shop_account.email}</td>',
        f'<td class="field-account_id">{basket.customer_account.erp_account_id}</td>',
        f'<td class="field-customer_name">{basket.customer_account.name}</td>',
        f'<td class="field-customer_email">{basket.customer_account.email}</td>',
    ]
    assert [cell in page for cell in cells] == [shown, True, shown, shown]
    assert ("column-shop_account_email" in page) is shown


@pytest.mark.parametrize(
    ("role", "posted", "status", "message"),
    [
        ("Order processor", "eligible", 302, "Manage booking step completed: 1 basket(s)."),
        (
            "Order processor",
            "early",
            302,
            "Cannot complete the manage booking step: the basket is at the Basket stage",
        ),
        ("Order processor", "not-a-number", 302, "No such basket; nothing was changed."),
        ("Order processor", "unknown", 302, "No such basket; nothing was changed."),
        (None, "eligible", 403, None),
    ],
    ids=["eligible", "refused-stage", "malformed-id", "unknown-id", "staff-without-role"],
)
@pytest.mark.django_db
def test_manage_booking_row_button_endpoint(client, role, posted, status, message):
    """SPEC: CB-5 section 7 — the grid row's button: the service's answer as a message,
    bad input a message, no permission a 403; only an eligible basket changes."""
    eligible = BasketFactory(stage=Stage.MANAGE_BOOKING)
    early = BasketFactory(stage=Stage.BASKET)
    ids = {"eligible": eligible.pk, "early": early.pk, "not-a-number": "x1", "unknown": 10**9}
    user = staff(role) if role else UserFactory(username="nobody", is_staff=True)
    client.force_login(user)
    before = list(Basket.objects.filter(pk=early.pk).values())

    response = client.post(f"{GRID}manage-booking/", {"manage_booking_basket": ids[posted]})

    assert response.status_code == status
    if message is not None:
        shown = [str(m) for m in client.get(GRID).context["messages"]]
        assert len(shown) == 1 and message in shown[0]
    eligible.refresh_from_db()
    assert (eligible.stage == Stage.PAYMENT) is (posted == "eligible" and status == 302)
    assert list(Basket.objects.filter(pk=early.pk).values()) == before
