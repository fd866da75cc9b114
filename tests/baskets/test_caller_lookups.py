"""Finding a caller's baskets (seed 001; SPEC §3, AC-1): a System administrator by an exact
e-mail, any part of a name, an ERP account ID; an Order processor by an exact e-mail, an
exact name or an ERP account ID only, and the rows found still hide what AC-1 hides."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection, transaction
from django.utils import timezone

from abandonment.models import Abandonment
from baskets.models import Basket, ShopAccount
from baskets.search import FRAGMENT_MAX_ACCOUNTS
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, ShopAccountFactory

GRID = "/admin/baskets/basket/"
ABANDONMENTS = "/admin/abandonment/abandonment/"
PROCESSOR, ADMINISTRATOR = "Order processor", "System administrator"


@pytest.fixture
def callers() -> dict[str, Basket]:
    """Sam Dubois (two baskets), Alex Duboisier, a guest who gave an e-mail, and others."""
    sam = ShopAccountFactory(name="Sam Dubois", email="Sam.Dubois@example.com")
    alex = ShopAccountFactory(name="Alex Duboisier", email="alex@example.com")
    return {
        "sam-1": BasketFactory(
            customer=True, shop_account=sam, customer_account=sam.customer_account
        ),
        "sam-2": BasketFactory(
            customer=True, shop_account=sam, customer_account=sam.customer_account
        ),
        "alex": BasketFactory(
            customer=True, shop_account=alex, customer_account=alex.customer_account
        ),
        "guest": BasketFactory(email="guest.dubois@example.com"),
        "other": BasketFactory(customer=True),
    }


def found(client, callers, query: dict) -> tuple[set[str], str, list[str]]:
    """The callers' baskets the grid lists, the HTML of its rows, and its messages."""
    response = client.get(GRID, {"scope": "all", **query})
    assert response.status_code == 200
    listed = {basket.pk for basket in response.context["cl"].result_list}
    names = {name for name, basket in callers.items() if basket.pk in listed}
    page = response.content.decode()
    rows = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', page, re.S)
    messages = [str(message) for message in response.context["messages"]]
    # The row links carry the search typed (``_changelist_filters``): not the rows' data.
    cells = re.sub(r'href="[^"]*"', "", rows.group(1)) if rows else ""
    return names, cells, messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("Sam.Dubois@example.com", {"sam-1", "sam-2"}),
        ("sam.dubois@EXAMPLE.com", {"sam-1", "sam-2"}),
        ("guest.dubois@example.com", {"guest"}),
        ("Sam Dubois", {"sam-1", "sam-2"}),
        ("sam dubois", {"sam-1", "sam-2"}),
        ("erp", {"alex"}),
        ("Dubois", set()),
        ("Sam Dub", set()),
        ("sam.dubois@", set()),
        ("@example.com", set()),
    ],
    ids=[
        "exact-email",
        "email-case-ignored",
        "guest-email",
        "exact-name",
        "name-case-ignored",
        "erp-account-id",
        "name-fragment-finds-nothing",
        "name-prefix-finds-nothing",
        "email-prefix-finds-nothing",
        "email-suffix-finds-nothing",
    ],
)
def test_an_order_processor_finds_a_caller_by_whole_e_mail_name_or_erp_id_only(
    client, callers, term, expected
):
    """SPEC: AC-1 §3 (seed 001) — the caller's basket from the e-mail or name they give;
    no fragment or prefix (no series of searches spells a hidden field out); the rows
    found show no shop account, e-mail, name or purchaser label."""
    client.force_login(staff_user(PROCESSOR))
    if term == "erp":
        term = callers["alex"].customer_account.erp_account_id

    names, rows, messages = found(client, callers, {"q": term})

    assert names == expected
    assert messages == []
    for basket in callers.values():
        account = basket.shop_account
        hidden = [account.name, account.email] if account else [basket.email]
        assert [text for text in hidden if text and text in rows] == []
    assert "Dubois" not in rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "Dubois"}, {"sam-1", "sam-2", "alex"}),
        ({"q": "dubois"}, {"sam-1", "sam-2", "alex"}),
        ({"q": "boisi"}, {"alex"}),
        ({"q": "Sam.Dubois@example.com"}, {"sam-1", "sam-2"}),
        ({"q": "guest.dubois@example.com"}, {"guest"}),
        ({"q": "erp"}, {"alex"}),
        ({"shop_account_name": "Dubois"}, {"sam-1", "sam-2", "alex"}),
        ({"shop_account_name": "dubois", "q": "alex@example.com"}, {"alex"}),
    ],
    ids=[
        "fragment",
        "fragment-case-ignored",
        "inner-fragment",
        "exact-email",
        "guest-email",
        "erp-account-id",
        "name-filter-fragment",
        "name-filter-and-search",
    ],
)
def test_a_system_administrator_finds_every_basket_whose_name_holds_a_fragment(
    client, callers, query, expected
):
    """SPEC: AC-1 §3 (seed 001) — "Dubois" finds Sam Dubois's baskets (and Alex
    Duboisier's), in the search box and in the name filter alike."""
    client.force_login(staff_user(ADMINISTRATOR))
    if query.get("q") == "erp":
        query = {"q": callers["alex"].customer_account.erp_account_id}

    names, rows, messages = found(client, callers, query)

    assert names == expected
    assert messages == []


@pytest.mark.django_db
def test_a_fragment_too_vague_to_list_is_a_message_not_a_slow_page(client, callers):
    """SPEC: §3 §7 — a fragment matching more shop accounts than a search lists asks for
    more of the name (the search box and the filter), and lists nothing."""
    ShopAccount.objects.bulk_create(
        ShopAccount(name=f"Jo Martin {n}", email=f"jo{n}@example.com")
        for n in range(FRAGMENT_MAX_ACCOUNTS + 1)
    )
    client.force_login(staff_user(ADMINISTRATOR))

    for query in ({"q": "Martin"}, {"shop_account_name": "Martin"}):
        names, _rows, messages = found(client, callers, query)
        assert names == set()
        assert len(messages) == 1 and "type more of it" in messages[0], messages


@pytest.mark.django_db
def test_an_order_processor_may_still_not_filter_by_a_shop_account_name(client, callers):
    """SPEC: AC-1 BM-3 — the sidebar's name filter takes a fragment: refused to processors
    with its message, no rows."""
    client.force_login(staff_user(PROCESSOR))

    names, _rows, messages = found(client, callers, {"shop_account_name": "Sam Dubois"})

    assert names == set()
    assert any("shop-account personal data" in message for message in messages), messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("Dubois", {"sam", "guest"}),
        ("sam.dubois@example.com", {"sam"}),
        ("Sam Dub", {"sam"}),
        ("guid", {"guest"}),
        ("erp", {"sam"}),
        ("Nobody", set()),
    ],
    ids=["fragment", "exact-email", "prefix", "basket-guid", "erp-account-id", "no-match"],
)
def test_the_abandonments_list_is_searched_the_same_way(client, callers, term, expected):
    """SPEC: AB-1 AC-1 §3 — the Abandonments list: an e-mail whole, a name or any part of
    it, the basket's GUID or ERP account ID."""
    now = timezone.now()
    made = {
        "sam": Abandonment.objects.create(
            basket=callers["sam-1"],
            basket_guid=callers["sam-1"].guid,
            captured_at=now,
            last_activity_at=now - timedelta(hours=2),
            email="Sam.Dubois@example.com",
            name="Sam Dubois",
            total="10.00",
            currency="EUR",
        ),
        "guest": Abandonment.objects.create(
            basket=callers["guest"],
            basket_guid=callers["guest"].guid,
            captured_at=now,
            last_activity_at=now - timedelta(hours=2),
            email="guest.dubois@example.com",
            name="Guest Dubois",
            total="10.00",
            currency="EUR",
        ),
        "other": Abandonment.objects.create(
            basket=callers["other"],
            basket_guid=callers["other"].guid,
            captured_at=now,
            last_activity_at=now - timedelta(hours=2),
            email="other@example.com",
            name="Someone Else",
            total="10.00",
            currency="EUR",
        ),
    }
    term = {
        "guid": str(callers["guest"].guid),
        "erp": callers["sam-1"].customer_account.erp_account_id,
    }.get(term, term)
    client.force_login(staff_user(ADMINISTRATOR))

    response = client.get(ABANDONMENTS, {"q": term})

    assert response.status_code == 200
    listed = {row.pk for row in response.context["cl"].result_list}
    assert {name for name, row in made.items() if row.pk in listed} == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("baskets_shopaccount", "shop_account_name_trgm"),
        ("abandonment_abandonment", "abandonment_name_trgm"),
    ],
    ids=["shop-accounts", "abandonments"],
)
def test_a_name_fragment_is_answered_from_the_trigram_index(table, index):
    """SPEC: §3 — the fragment search's SQL (``UPPER(name) LIKE UPPER('%...%')``, as the
    ORM writes ``icontains``) can use the pg_trgm index: the plan names it once sequential
    scans are priced out (a few test rows would otherwise be scanned)."""
    model = ShopAccount if table == "baskets_shopaccount" else Abandonment
    sql, params = (
        model.objects.filter(name__icontains="Dubois")
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan, plan


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["shopaccount", "customeraccount"])
def test_an_account_page_lists_its_baskets_and_links_to_them_all(client, callers, page):
    """SPEC: §3 BM-5 (seed 001) — a shop account's page and its customer account's page
    list the account's baskets, newest first, each linked; the link to the grid lists
    exactly those."""
    sam = callers["sam-1"].shop_account
    account = sam if page == "shopaccount" else sam.customer_account
    client.force_login(staff_user(ADMINISTRATOR))

    html = client.get(f"/admin/baskets/{page}/{account.pk}/change/").content.decode()

    listed = re.findall(r'<a href="/admin/baskets/basket/(\d+)/change/">', html)
    assert listed == [str(callers["sam-2"].pk), str(callers["sam-1"].pk)]
    grid = re.search(r'<a href="(/admin/baskets/basket/\?[^"]+)">All baskets in the grid', html)
    query = dict(parse_qsl(urlsplit(unescape(grid.group(1))).query))
    names, _rows, messages = found(client, callers, query)
    assert (names, messages) == ({"sam-1", "sam-2"}, [])
