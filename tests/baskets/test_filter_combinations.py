"""The seeds' filter combinations give exactly the same baskets in the grid, the CSV export
and the list API: one filter definition for all three (SPEC BM-2, BM-3, BM-5, CB-1, API-1)."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.models import Basket, PurchaserType, Stage, Status
from baskets.roles import roles_ensure
from tests.support.factories import BasketFactory, LineFactory, UserFactory, basket_in_status

GRID = "/admin/baskets/basket/"


@pytest.fixture
def administrator(client):
    user = UserFactory(username="boss", is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name="System administrator"))
    client.force_login(user)
    return client


pytestmark = pytest.mark.api_as("status", "poller")  # lists baskets, no shop-account filter


@pytest.fixture
def baskets() -> dict[str, Basket]:
    """One basket per case the seeds' staff tell apart; the first has no lines."""
    made = {
        "failed_account": basket_in_status(
            Status.COMPLETION_FAILED, purchaser_type=PurchaserType.ACCOUNT
        ),
        "failed_user": basket_in_status(
            Status.COMPLETION_FAILED, purchaser_type=PurchaserType.USER
        ),
        "completed_account": basket_in_status(
            Status.COMPLETED, purchaser_type=PurchaserType.ACCOUNT, stage=Stage.CONFIRMATION
        ),
        "locked": basket_in_status(Status.LOCKED, stage=Stage.PAYMENT),
        "manage_booking": BasketFactory(stage=Stage.MANAGE_BOOKING),
        "new": BasketFactory(),
    }
    for name, basket in made.items():
        if name != "failed_account":
            LineFactory(basket=basket, product_id=f"P-{name}")
    return made


# (id, query string, expected basket names; None = every basket)
CASES = [
    pytest.param(
        "", ["failed_account", "failed_user", "locked", "manage_booking", "new"],
        id="open-by-default",
    ),
    pytest.param("scope=all", None, id="history-one-click"),
    pytest.param("scope=history", ["completed_account"], id="history-only"),
    pytest.param(
        "scope=all&status=completion_failed&purchaser_type=account",
        ["failed_account"],
        id="completion-failed-and-account",
    ),
    pytest.param("stage=manage_booking", ["manage_booking"], id="stage"),
    pytest.param(
        "stage=manage_booking&stage=payment", ["locked", "manage_booking"], id="several-stages"
    ),
    pytest.param(
        "status=locked&status=completion_failed",
        ["failed_account", "failed_user", "locked"],
        id="several-statuses",
    ),
    pytest.param("status=completed", [], id="completed-hidden-while-open"),
    pytest.param("scope=all&status=completed", ["completed_account"], id="completed-in-history"),
]


def grid_rows(client, query: str) -> set[int]:
    response = client.get(f"{GRID}?{query}")
    assert response.status_code == 200
    return {basket.pk for basket in response.context["cl"].result_list}


def export_rows(client, query: str) -> set[str]:
    response = client.get(f"{GRID}export/?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {row[6] for row in rows[1:]}


def api_rows(api, query: str) -> set[str]:
    # The list API shows every basket unless asked: the grid's default is spelt out.
    if "scope=" not in query:
        query = f"scope=open&{query}" if query else "scope=open"
    response = api.get(f"/api/baskets/?{query}")
    assert response.status_code == 200, response.json()
    return {row["guid"] for row in response.json()["results"]}


@pytest.mark.parametrize(("query", "expected"), CASES)
@pytest.mark.django_db
def test_filter_combination_gives_the_same_baskets_in_grid_export_and_api(
    administrator, api, baskets, query, expected
):
    """SPEC: BM-2 BM-3 BM-5 CB-1 API-1 — exact rows in all three (a basket without lines is
    one export row)."""
    names = list(baskets) if expected is None else expected
    wanted = {baskets[name] for name in names}

    assert grid_rows(administrator, query) == {basket.pk for basket in wanted}
    assert export_rows(administrator, query) == {str(basket.guid) for basket in wanted}
    assert api_rows(api, query) == {str(basket.guid) for basket in wanted}


@pytest.mark.django_db
def test_basket_without_lines_is_one_export_row_with_empty_line_columns(administrator):
    """SPEC: BM-2"""
    empty = BasketFactory(customer=True)

    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(administrator.get(f"{GRID}export/").streaming_content).decode(
                    "utf-8-sig"
                )
            )
        )
    )

    # BM-2's own columns; status, stage, dates and total follow them.
    assert [row[:11] for row in rows[1:]] == [
        [
            empty.shop_account.name,
            empty.shop_account.email,
            empty.customer_account.name,
            empty.customer_account.email,
            empty.customer_account.erp_account_id,
            "Customer",
            str(empty.guid),
            "",
            "",
            "",
            "",
        ]
    ]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("purchaser=account", "purchaser"),
        ("status=active&colour=red", "colour"),
        ("status=active&Status=locked", "Status"),
    ],
    ids=["misspelt-filter", "unknown-beside-known", "wrong-case"],
)
@pytest.mark.django_db
def test_unknown_list_parameter_is_a_400_naming_it(api, query, named):
    """SPEC: API-1 API-3 section 7 — never silently ignored (that would list everything)."""
    BasketFactory()
    response = api.get(f"/api/baskets/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_filter"
    assert body["detail"].startswith(f"Unknown query parameter(s): {named}.")


@pytest.mark.parametrize(
    "query",
    ["purchaser_type=company", "status=active&status=sleeping", "stage=checkout", "scope=old"],
    ids=["purchaser-type", "one-of-several-statuses", "stage", "scope"],
)
@pytest.mark.django_db
def test_bad_filter_value_is_a_400_in_the_api_and_a_message_in_the_grid(
    administrator, api, query
):
    """SPEC: BM-3 section 7"""
    BasketFactory()
    assert api.get(f"/api/baskets/?{query}").status_code == 400
    response = administrator.get(f"{GRID}?{query}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert any("Select a valid choice" in str(m) for m in response.context["messages"])
