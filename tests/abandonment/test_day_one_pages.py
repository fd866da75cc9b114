"""Day one: the report list reloads itself while a report is being made (a few lines of
JavaScript served from our static files); the abandonments page opens on the abandonments,
the product table below them."""

import os
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from abandonment.models import Abandonment, AbandonReport, ReportStatus
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
REPORTS = "/admin/abandonment/abandonreport/"
SCRIPT = "baskets/refresh_while_running.js"


def report(user, status: str) -> AbandonReport:
    return AbandonReport.objects.create(
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
        status=status,
        requested_by=user,
        requested_at=timezone.now(),
    )


@pytest.mark.django_db
def test_the_report_list_reloads_itself_only_while_a_report_runs(client):
    user = UserFactory(username="rita", is_staff=True, is_superuser=True)
    client.force_login(user)
    running = report(user, ReportStatus.RUNNING)
    assert SCRIPT in client.get(REPORTS).content.decode()
    AbandonReport.objects.filter(pk=running.pk).update(status=ReportStatus.FAILED)
    assert SCRIPT not in client.get(REPORTS).content.decode()
    # The script itself is ours, served from the static files (no CDN).
    page = client.get(REPORTS.replace("abandonreport", "abandonreport/add"))
    assert "cdn" not in page.content.decode().lower()


@pytest.mark.django_db
def test_the_abandonments_page_opens_on_the_abandonments(client):
    client.force_login(UserFactory(username="rita", is_staff=True, is_superuser=True))
    now = timezone.now()
    for index in range(25):
        Abandonment.objects.create(
            basket_guid="3f2c8a4e-5b1d-4c3e-9a7f-0d1e2f3a4b5c",
            captured_at=now - timedelta(hours=index),
            last_activity_at=now - timedelta(hours=index + 1),
            total="12.00",
            currency="EUR",
            lines=[{"product_id": f"PRD-{index}", "quantity": 1, "unit_price": "12.00"}],
        )
    page = client.get("/admin/abandonment/abandonment/").content.decode()
    assert 'id="top-products"' in page
    assert page.index('id="result_list"') < page.index('id="top-products"')
    assert page.index('id="abandonment-stats"') < page.index('id="result_list"')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_report_list_shows_a_finished_report_without_a_reload(live_server):
    user = UserFactory(username="rita", is_staff=True, is_superuser=True)
    running = report(user, ReportStatus.RUNNING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        admin_login(page, live_server.url, "rita")
        page.goto(f"{live_server.url}{REPORTS}")
        assert "Running" in page.inner_text("#result_list")
        # the report finishes while staff look at the list
        AbandonReport.objects.filter(pk=running.pk).update(status=ReportStatus.FAILED)
        page.wait_for_function(
            "document.querySelector('#result_list').innerText.includes('Failed')",
            timeout=30_000,
        )
        # nothing runs any more: the page stops reloading itself
        assert page.locator("#refresh-while-running").count() == 0
        browser.close()
