"""CB-5 in a real browser: an Order processor completes the manage-booking step from the
grid; the row then shows it done with the action greyed, and ineligible rows are greyed."""

import os

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect, sync_playwright

from baskets.models import Basket, BasketEvent, Stage, Status
from baskets.roles import roles_ensure
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.factories import BasketFactory, UserFactory, basket_in_status
from tests.support.snapshots import snapshot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1440, "height": 900})
        browser.close()


def row(page, basket: Basket):
    return page.locator(f'#result_list tbody tr:has(span[title="{basket.guid}"])')


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manage_booking_step_from_the_grid_then_greyed(live_server, page):
    """SPEC: CB-5 CB-1 — eligible row: the button completes the step (stage moves on to
    Payment, flag set, one timeline entry), then the row shows Done and the button greyed;
    a Completed basket and one at another stage are greyed and refused with a message."""
    roles_ensure(Group, Permission)
    UserFactory(username="clerk", is_staff=True).groups.add(
        Group.objects.get(name="Order processor")
    )
    eligible = BasketFactory(stage=Stage.MANAGE_BOOKING)
    completed = basket_in_status(Status.COMPLETED, stage=Stage.MANAGE_BOOKING)
    early = BasketFactory(stage=Stage.BASKET)
    admin_login(page, live_server.url, "clerk", PASSWORD)
    page.goto(f"{live_server.url}/admin/baskets/basket/?scope=all")

    for basket in (completed, early):
        expect(row(page, basket).locator("button.manage-booking-step")).to_be_disabled()
    button = row(page, eligible).locator("button.manage-booking-step")
    expect(button).to_be_enabled()
    # Status and stage are on screen at 1440 px without scrolling sideways.
    for cell in ("td.field-status", "td.field-stage"):
        box = row(page, eligible).locator(cell).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1440, cell

    with page.expect_navigation():
        button.click()

    expect(page.locator("ul.messagelist")).to_contain_text(
        "Manage booking step completed: 1 basket(s)."
    )
    expect(row(page, eligible).locator(".manage-booking-done")).to_have_text("Done")
    expect(row(page, eligible).locator("button.manage-booking-step")).to_be_disabled()
    expect(row(page, eligible).locator("td.field-stage")).to_have_text("Payment")
    eligible.refresh_from_db()
    assert eligible.stage == Stage.PAYMENT and eligible.manage_booking_completed_at is not None
    events = BasketEvent.objects.filter(basket=eligible, action="complete_manage_booking")
    assert events.count() == 1

    before = snapshot()
    row(page, completed).locator("input.action-select").check()
    page.select_option("select[name=action]", "complete_manage_booking")
    with page.expect_navigation():
        page.click("button[name=index]")
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Refused {completed.guid}: Cannot complete the manage booking step: "
        "the basket is Completed, not Active."
    )
    assert snapshot() == before
