"""AB-3 end to end: a staff member generates the report in the browser, a real worker builds
it, and the pickup area shows its state and offers the download."""

import os
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from abandonment.models import Abandonment, AbandonReport, ReportStatus
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.factories import UserFactory
from tests.support.workers import celery_workers, wait_until

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_generate_follow_and_download_the_abandon_report(live_server, tmp_path, settings):
    """SPEC: AB-3 AB-6 — the form's one button says "Generate Report"."""
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username="rita", is_staff=True, is_superuser=True)
    day = timezone.make_aware(datetime(2026, 3, 10, 12, 0))
    for index in range(30):
        Abandonment.objects.create(
            basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
            captured_at=day,
            last_activity_at=day - timedelta(hours=1),
            total="12.00",
            currency="EUR",
            lines=[
                {
                    "product_id": f"PRD-{index % 3}",
                    "variant_id": "",
                    "quantity": 1,
                    "unit_price": "12.00",
                }
            ],
        )
    with celery_workers(1, MEDIA_ROOT=str(settings.MEDIA_ROOT)), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        admin_login(page, live_server.url, "rita")
        page.goto(f"{live_server.url}/admin/abandonment/abandonreport/add/")
        assert page.locator("input[type=submit]").all_inner_texts() == [""]
        assert page.locator("input[type=submit]").get_attribute("value") == "Generate Report"
        # The browser's date picker: it sends ISO dates whatever the page's language.
        assert page.locator("#id_date_from").get_attribute("type") == "date"
        page.fill("#id_date_from", "2026-03-31")
        page.fill("#id_date_to", "2026-03-01")
        page.click("text=Generate Report")
        assert "The From date must not be after the To date." in page.inner_text("#content")
        page.fill("#id_date_from", "2026-03-01")
        page.fill("#id_date_to", "2026-03-31")
        page.click("input[name=_save]")
        assert "being generated in the background" in page.inner_text("ul.messagelist")

        wait_until(
            lambda: AbandonReport.objects.filter(status=ReportStatus.DONE).exists(),
            timeout=60,
            message="the worker did not build the report",
        )
        page.reload()
        row = page.locator("#result_list tbody tr").first
        assert "Ready to download" in row.inner_text()
        with page.expect_download() as download_info:
            row.locator("a.report-download").click()
        path = tmp_path / "report.xlsx"
        download_info.value.save_as(path)
        browser.close()
    report = AbandonReport.objects.get()
    assert (report.date_from, report.date_to) == (date(2026, 3, 1), date(2026, 3, 31))
    sheet = openpyxl.load_workbook(path)["Abandonments"]
    assert sheet.max_row == 31
