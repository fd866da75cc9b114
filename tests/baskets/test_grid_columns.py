"""The basket grid's column chooser, kept per staff member: the key columns always first,
the default set the grid's own, more columns switched on, others off, a reset."""

import os

import pytest
from playwright.sync_api import sync_playwright

from baskets.models import GridColumnChoice
from tests.support.browser import CHROMIUM_ARGS, admin_login, chromium_path
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
GRID = "/admin/baskets/basket/"
COLUMNS = "/admin/baskets/basket/columns/"


def staff(client, role: str, username: str):
    user = staff_user(role, username)
    client.force_login(user)
    return user


def shown(client, query: str = "") -> list[str]:
    return list(client.get(f"{GRID}{query}").context["cl"].list_display)


@pytest.mark.django_db
def test_each_staff_member_keeps_their_own_columns(client, django_user_model):
    BasketFactory(location="DK", payment_method="card")
    sam = staff(client, "System administrator", "sam")
    default = shown(client)
    assert default[1:5] == ["guid", "status", "stage", "total"]
    assert "location" not in default and "billing_object" in default
    chooser = client.get(GRID).context["column_chooser"]
    assert ("location", "Location", False, False) in chooser
    assert ("status", "Status", True, True) in chooser

    # Location on, billing object off; the key columns cannot be switched off.
    kept = [name for name in default[1:] if name not in ("billing_object", "status")]
    response = client.post(
        COLUMNS, {"columns": [*kept, "location"], "next": f"{GRID}?scope=all&p=1"}
    )
    assert response.status_code == 302 and response["Location"] == f"{GRID}?scope=all&p=1"
    mine = shown(client)
    assert "location" in mine and "billing_object" not in mine and "status" in mine
    assert mine[1:5] == ["guid", "status", "stage", "total"]
    locked = shown(client, "?cart=locked")
    assert locked.index("masked_card_number") == locked.index("total") + 1
    assert '<td class="field-location">DK</td>' in client.get(GRID).content.decode()

    # Another staff member still has the default set.
    staff(client, "System administrator", "ada")
    assert shown(client) == default

    client.force_login(sam)
    client.post(COLUMNS, {"reset": "Default columns"})
    assert shown(client) == default
    assert not GridColumnChoice.objects.filter(user=sam).exists()


@pytest.mark.django_db
def test_unknown_columns_change_nothing(client):
    user = staff(client, "System administrator", "sam")
    response = client.post(COLUMNS, {"columns": ["guid", "password"]}, follow=True)
    assert "Unknown columns" in " ".join(str(m) for m in response.context["messages"])
    assert not GridColumnChoice.objects.filter(user=user).exists()
    assert client.get(COLUMNS).status_code == 403


@pytest.mark.django_db
def test_personal_data_columns_are_not_offered_to_those_who_may_not_see_them(client):
    staff(client, "Order processor", "olga")
    offered = [name for name, *_ in client.get(GRID).context["column_chooser"]]
    assert "shop_account_email" not in offered and "customer_email" not in offered
    client.post(COLUMNS, {"columns": ["customer_email", "location"]})
    assert "customer_email" not in shown(client) and "location" in shown(client)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_a_column_on_in_the_browser(live_server):
    user = UserFactory(username="alice", is_staff=True, is_superuser=True)
    BasketFactory(location="NL")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_viewport_size({"width": 1440, "height": 900})
        admin_login(page, live_server.url, "alice")
        page.goto(f"{live_server.url}{GRID}?scope=all")
        assert page.locator("#result_list th.column-location").count() == 0
        page.click("#column-chooser summary")
        page.check("#column-chooser input[value=location]")
        page.uncheck("#column-chooser input[value=billing_object]")
        page.click("#column-chooser-save")
        page.wait_for_selector("#result_list th.column-location")
        assert page.url.endswith(f"{GRID}?scope=all")
        assert page.inner_text("#result_list td.field-location") == "NL"
        assert page.locator("#result_list th.column-billing_object").count() == 0
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 1440
        browser.close()
    assert "location" in GridColumnChoice.objects.get(user=user).columns
