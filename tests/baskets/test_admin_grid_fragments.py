"""The grid's kept pieces (menu, filter fields, action chooser) and its query: the same page as
before for each role, never another role's, never stale; rows are never kept (CB-1, AC-1)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from baskets.admin import fragments
from baskets.admin.fragments import FragmentCache
from baskets.models import Basket, Status
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, UserFactory, basket_in_status

GRID = "/admin/baskets/basket/"
SHOP_ACCOUNTS = "/admin/baskets/shopaccount/"
WEBHOOK_ENDPOINTS = "/admin/webhooks/webhookendpoint/"


@pytest.fixture(autouse=True)
def nothing_kept():
    fragments.fragments_clear()
    yield
    fragments.fragments_clear()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def nav_sidebar(page: str) -> str:
    start = page.index('<nav class="sticky" id="nav-sidebar"')
    return page[start : page.index("</nav>", start)]


def action_choices(page: str) -> list[str]:
    chooser = page[page.index('<select name="action"') : page.index("</select>")]
    return re.findall(r'<option value="([^"]*)"', chooser)


@pytest.mark.django_db
@pytest.mark.parametrize("first", ["System administrator", "Order processor"])
def test_the_menu_is_each_roles_own_whoever_came_first(first):
    """AC-1: the kept menu of one role is never shown to the other, in either order."""
    BasketFactory()
    administrator = logged_in(staff_user("System administrator"))
    processor = logged_in(staff_user("Order processor"))
    clients = {"System administrator": administrator, "Order processor": processor}
    order = [first, *(name for name in clients if name != first)]

    pages = {}
    for _ in range(2):  # the second round is served from the kept menus
        for role in order:
            pages.setdefault(role, []).append(clients[role].get(GRID).content.decode())

    for role, (cold, warm) in pages.items():
        assert nav_sidebar(cold) == nav_sidebar(warm), role
        menu = nav_sidebar(warm)
        allowed = role == "System administrator"
        assert (SHOP_ACCOUNTS in menu) is allowed, role
        assert (WEBHOOK_ENDPOINTS in menu) is allowed, role
        assert 'class="model-basket current-model"' in menu
    assert len(fragments.NAV_SIDEBARS) == 2


@pytest.mark.django_db
def test_the_menu_follows_a_change_of_rights():
    """A right given to (or taken from) a role shows in the menu on the next page."""
    processor = logged_in(staff_user("Order processor"))
    assert SHOP_ACCOUNTS not in nav_sidebar(processor.get(GRID).content.decode())
    group = Group.objects.get(name="Order processor")
    view_accounts = Permission.objects.get(
        content_type__app_label="baskets", codename="view_shopaccount"
    )

    group.permissions.add(view_accounts)
    assert SHOP_ACCOUNTS in nav_sidebar(processor.get(GRID).content.decode())

    group.permissions.remove(view_accounts)
    assert SHOP_ACCOUNTS not in nav_sidebar(processor.get(GRID).content.decode())


@pytest.mark.django_db
def test_the_action_chooser_follows_the_users_rights():
    """Staff who may not delete are never offered the delete actions kept for others."""
    BasketFactory()
    administrator = logged_in(staff_user("System administrator"))
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="baskets", codename__in=["view_basket", "change_basket"]
        )
    )
    clerk_client = logged_in(clerk)

    for _ in range(2):
        everything = action_choices(administrator.get(GRID).content.decode())
        changes_only = action_choices(clerk_client.get(GRID).content.decode())
        assert "delete_baskets" in everything and "delete_locked_carts" in everything
        assert "complete_manage_booking" in changes_only
        assert "delete_baskets" not in changes_only
        assert "delete_locked_carts" not in changes_only

    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="baskets", codename="delete_basket")
    )
    clerk_client = logged_in(clerk)
    assert "delete_baskets" in action_choices(clerk_client.get(GRID).content.decode())


@pytest.mark.django_db
def test_filter_fields_show_this_requests_values_and_free_text_is_never_kept():
    """BM-3: a kept field is the one for the same input; typed text is rendered, not kept."""
    client = logged_in(staff_user("System administrator"))
    locked_box = re.compile(r'<input type="checkbox" name="status" value="locked"[^>]*>')

    checked = locked_box.search(client.get(GRID, {"status": "locked"}).content.decode())
    unchecked = locked_box.search(client.get(GRID).content.decode())
    again = locked_box.search(client.get(GRID, {"status": "locked"}).content.decode())

    assert " checked" in checked.group(0) and " checked" in again.group(0)
    assert " checked" not in unchecked.group(0)
    kept = len(fragments.FILTER_FIELDS)
    page = client.get(GRID, {"shop_account_name": "Lovelace", "status": "nonsense"})
    assert 'name="shop_account_name" value="Lovelace"' in page.content.decode()
    assert len(fragments.FILTER_FIELDS) == kept  # neither typed nor invalid input is kept
    # a field with an error is kept apart from the same field without one
    invalid = client.get(GRID, {"created_after": "13/45/2026"}).content.decode()
    assert re.search(r'name="created_after" value="13/45/2026"[^>]*aria-invalid="true"', invalid)
    assert "aria-invalid" not in client.get(GRID).content.decode()


@pytest.mark.django_db
def test_rows_are_never_kept():
    """CB-1: a change to a basket shows on the next page, whatever else was kept."""
    basket = BasketFactory(booking_id="BK-OLD")
    client = logged_in(staff_user("Order processor"))
    assert "BK-OLD" in client.get(GRID).content.decode()

    Basket.objects.filter(pk=basket.pk).update(booking_id="BK-NEW")

    page = client.get(GRID).content.decode()
    assert "BK-NEW" in page and "BK-OLD" not in page


@pytest.mark.django_db
def test_nothing_kept_holds_a_csrf_token_or_a_basket():
    """What is kept is the same for every user of a role: no token, no row."""
    basket = BasketFactory(booking_id="BK-1")
    for role in ("System administrator", "Order processor"):
        page = logged_in(staff_user(role)).get(GRID).content.decode()
        assert "csrfmiddlewaretoken" in page
    for cache in (fragments.NAV_SIDEBARS, fragments.FILTER_FIELDS, fragments.ACTION_CHOOSERS):
        assert len(cache)
        for html in cache._entries.values():
            assert "csrfmiddlewaretoken" not in html
            assert str(basket.guid) not in html and "BK-1" not in html


@pytest.mark.django_db
def test_several_statuses_need_no_distinct_and_list_each_basket_once():
    """BM-3: status and stage are the basket's own columns: no DISTINCT, no repeats."""
    locked = basket_in_status(Status.LOCKED)
    failed = basket_in_status(Status.COMPLETION_FAILED)
    fresh = BasketFactory()
    client = logged_in(staff_user("Order processor"))

    with CaptureQueriesContext(connection) as queries:
        by_status = client.get(GRID, {"status": ["locked", "completion_failed"]})
        by_stage = client.get(GRID, {"stage": [fresh.stage, locked.stage, failed.stage]})

    grid_sql = [q["sql"] for q in queries if 'FROM "baskets_basket"' in q["sql"]]
    assert grid_sql and not any("DISTINCT" in sql for sql in grid_sql)
    assert sorted(b.pk for b in by_status.context["cl"].result_list) == [locked.pk, failed.pk]
    assert sorted(b.pk for b in by_stage.context["cl"].result_list) == [
        locked.pk,
        failed.pk,
        fresh.pk,
    ]


def test_the_fragment_store_keeps_the_most_recently_used_within_its_size():
    cache = FragmentCache(2)
    renders = []

    def render(text):
        return lambda: renders.append(text) or text

    cache.get_or_render("a", render("A"))
    cache.get_or_render("b", render("B"))
    cache.get_or_render("a", render("A again"))  # kept: not rendered again
    cache.get_or_render("c", render("C"))  # "b" is the least recently used
    assert cache.get_or_render("a", render("A3")) == "A"
    assert cache.get_or_render("b", render("B2")) == "B2"
    assert renders == ["A", "B", "C", "B2"] and len(cache) == 2
