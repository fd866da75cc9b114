"""The admin grid in a real browser: log in, filter, act, export."""

import os

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from baskets.models import BasketEvent, Status
from baskets.roles import roles_ensure
from tests.support.browser import admin_login
from tests.support.factories import BasketFactory, LineFactory, UserFactory, basket_in_status

# Playwright's sync API runs an event loop in this thread; the Django calls made here are
# ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery staple"


def log_in(page, live_server, username):
    admin_login(page, live_server.url, username, PASSWORD)
    page.wait_for_selector("#site-name")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_filter_flag_and_export_in_the_browser(live_server, browser_page, tmp_path):
    """SPEC: CB-1 CB-6 BM-2 BM-3"""
    user = UserFactory(username="alice", is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name="System administrator"))
    wanted = BasketFactory(customer=True, purchaser_label="Northwind Traders")
    LineFactory(basket=wanted, product_id="CRS-0001", quantity=1)
    BasketFactory.create_batch(3)
    basket_in_status(Status.LOCKED)
    page = browser_page

    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/admin/baskets/basket/")
    assert page.locator("#result_list tbody tr").count() == 5

    page.fill("#basket-filter-form input[name=guid]", "not-a-guid")
    page.click("#basket-filter-form input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text("Enter a valid GUID")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)

    page.fill("#basket-filter-form input[name=guid]", str(wanted.guid))
    with page.expect_navigation():
        page.click("#basket-filter-form input[type=submit]")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Northwind Traders")

    page.check("#result_list tbody tr input.action-select")
    page.select_option("select[name=action]", "flag_additional_information")
    page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text(
        "Flagged additional information supplied: 1"
    )
    assert (
        BasketEvent.objects.filter(
            basket=wanted, action="flag_additional_information", actor_label="staff:alice"
        ).count()
        == 1
    )

    with page.expect_download() as download_info:
        page.click("a.export-link")
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert "CRS-0001" in lines[1] and str(wanted.guid) in lines[1]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_daily_filter_in_the_sidebar_is_a_bookmark_and_the_export_follows(
    live_server, browser_page, tmp_path
):
    """SPEC: CB-1 BM-2 BM-3 BM-5 — the grid opens on open baskets; "All baskets, with history" is
    one click; Completion Failed + purchaser type Account from the sidebar; the URL, opened
    again, shows the same rows; the export holds exactly them."""
    user = UserFactory(username="alice", is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name="System administrator"))
    wanted = basket_in_status(Status.COMPLETION_FAILED, purchaser_type="account")
    LineFactory(basket=wanted, product_id="CRS-0009")
    basket_in_status(Status.COMPLETION_FAILED, purchaser_type="user")
    completed = basket_in_status(Status.COMPLETED, purchaser_type="account")
    page = browser_page

    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/admin/baskets/basket/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator(f'span[title="{completed.guid}"]')).to_have_count(0)
    with page.expect_navigation():
        page.click("#basket-scope-links a:has-text('All baskets, with history')")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)

    page.check("#basket-filter-form input[name=status][value=completion_failed]")
    page.select_option("#basket-filter-form select[name=purchaser_type]", "account")
    with page.expect_navigation():
        page.click("#basket-filter-form input[type=submit]")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator(f'span[title="{wanted.guid}"]')).to_have_count(1)

    bookmark = page.url
    assert "status=completion_failed" in bookmark and "purchaser_type=account" in bookmark
    page.goto(f"{live_server.url}/admin/")
    page.goto(bookmark)
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator(f'span[title="{wanted.guid}"]')).to_have_count(1)

    with page.expect_download() as download_info:
        page.click("a.export-link")
    path = tmp_path / "export.csv"
    download_info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and str(wanted.guid) in lines[1] and "CRS-0009" in lines[1]
