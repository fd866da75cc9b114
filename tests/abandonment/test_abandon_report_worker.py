"""AB-3 with a real worker: a From/To report goes from pending to ready in the pickup area,
downloads as XLSX whose rows match the database, and only its requester (and System
administrators) may see it."""

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from abandonment.models import Abandonment, AbandonReport, ReportStatus
from abandonment.services.reports import COLUMNS
from baskets.links import basket_url
from tests.support.factories import ProductFactory, UserFactory
from tests.support.workers import broker_flush, celery_workers, wait_until

REPORTS = "/admin/abandonment/abandonreport/"


def captured(at: datetime, index: int) -> Abandonment:
    return Abandonment.objects.create(
        basket_guid=f"3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b{index:02d}",
        captured_at=at,
        last_activity_at=at - timedelta(hours=1),
        email=f"lead{index}@example.com",
        name=f"Lead {index}",
        payment_address={"street": f"{index} Main St", "city": "Leeds", "phone": f"0113 {index}"},
        coupon_codes=[],
        total="24.00",
        currency="EUR",
        lines=[{"product_id": "PRD-1", "variant_id": "", "quantity": 2, "unit_price": "12.00"}],
    )


def expected_row(abandonment: Abandonment) -> tuple:
    local = timezone.localtime(abandonment.captured_at).replace(tzinfo=None)
    return (local, abandonment.name, abandonment.email, abandonment.payment_address["phone"],
            f"{abandonment.payment_address['street']}, Leeds", str(abandonment.basket_guid),
            "PRD-1", "Kettle", None, 2, 12.0, None, 24.0, "EUR",
            basket_url(abandonment.basket_guid))


def report_user(username: str):
    """Staff who may work with abandon reports and see the personal data in them (Order
    processors may do neither: AC-1)."""
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="abandonment",
            codename__in=["view_abandonreport", "add_abandonreport"],
        ),
        Permission.objects.get(content_type__app_label="baskets", codename="view_shopaccount"),
    )
    return user


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_goes_from_pending_to_ready_with_a_worker_and_matches_the_database(
    client, settings, tmp_path
):
    """SPEC: AB-3 AC-1 — From and To days included; pending, then ready in the pickup area;
    the XLSX rows are the database's; other staff working with reports get 404 for it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    ProductFactory(id="PRD-1", name="Kettle")
    first_day = timezone.make_aware(datetime(2026, 3, 1))
    after_last_day = timezone.make_aware(datetime(2026, 4, 1))
    inside = [captured(first_day, 1), captured(after_last_day - timedelta(seconds=1), 2)]
    captured(first_day - timedelta(seconds=1), 3)
    captured(after_last_day, 4)
    client.force_login(UserFactory(username="rita", is_staff=True, is_superuser=True))
    broker_flush()

    client.post(f"{REPORTS}add/", {"date_from": "03/01/2026", "date_to": "03/31/2026"})
    report = AbandonReport.objects.get()
    pending = client.get(REPORTS).content.decode()
    with celery_workers(1, flush=False, MEDIA_ROOT=str(settings.MEDIA_ROOT)):
        wait_until(
            lambda: AbandonReport.objects.filter(status=ReportStatus.DONE).exists(),
            timeout=60,
            message="the worker did not build the report",
        )
    ready = client.get(REPORTS).content.decode()
    download = client.get(f"{REPORTS}{report.pk}/download/")
    client.force_login(report_user("otto"))
    strangers = [client.get(f"{REPORTS}{report.pk}{suffix}").status_code
                 for suffix in ("/change/", "/download/", "/history/", "/delete/")]
    listed = client.get(REPORTS).context["cl"].result_count

    assert "Queued" in pending and "report-download" not in pending
    assert "Ready to download" in ready and "report-download" in ready
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(workbook["Abandonments"].iter_rows(values_only=True))
    assert rows[0] == tuple(COLUMNS)
    assert [row[:15] for row in rows[1:]] == [expected_row(item) for item in inside]
    assert strangers == [404, 404, 404, 404]
    assert listed == 0
