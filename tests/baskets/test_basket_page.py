"""A basket's page read at a glance (SPEC CB-2, LC-3, BM-5, AC-1): header, grouped sections
without empty fields, lines with product names, the timeline's details, only the actions
the status allows, and no Save button."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baskets.models import Basket, Order, Product, Stage, Status
from baskets.roles import roles_ensure
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import BasketFactory, UserFactory, basket_in_status

GRID = "/admin/baskets/basket/"
# The session, the user, the basket, the user's and the groups' permissions, the order with
# its invoice, the lines, the timeline, the role check, the basket's content type and the
# live settings the page shows (the reminder consent policy, the shop's address behind
# "View site"), each read once: at most this many, whatever the process has cached.
PAGE_QUERIES = 14


def login(client, role: str):
    user = UserFactory(username=role.lower().replace(" ", "_"), is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return client


def page_of(client, basket: Basket) -> str:
    response = client.get(f"{GRID}{basket.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def sections(page: str) -> list[str]:
    return re.findall(r'<h2 id="fieldset-[^"]*"[^>]*>([^<]+)</h2>', page)


@pytest.mark.django_db
def test_completed_basket_page_shows_header_order_invoice_lines_and_timeline(client):
    """SPEC: CB-2 CB-1 — badge, stage, total, order and invoice links; product names; the
    order number from the timeline's payload; no Save and no action on a Completed basket."""
    login(client, "System administrator")
    basket = paid_basket(
        customer=True,
        payment_address={"line1": "1 Market Street", "city": "Springfield", "country": "US"},
    )
    completion_run(worker="test")
    order = Order.objects.get(basket=basket)

    page = page_of(client, basket)

    badge = '<span class="status-badge status-completed" id="basket-status">Completed</span>'
    invoice = order.invoice
    assert badge in page
    assert f'href="/admin/baskets/order/{order.pk}/change/">{order.number}</a>' in page
    assert f'href="/admin/baskets/invoice/{invoice.pk}/change/">{invoice.number}</a>' in page
    assert "1 Market Street<br>Springfield<br>US<br>" in page
    for product in Product.objects.filter(pk__in=["PRD-000", "PRD-001", "CRS-001"]):
        assert re.search(rf'class="field-product_name">\s*<p>{product.name}</p>', page)
    assert f"<strong>Order</strong>: {order.number}" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'id="basket-action-' not in page
    assert "Lock reason" not in page  # empty fields are left out
    assert sections(page) == [
        "Parties",
        "Purchaser and booking",
        "Checkout details",
        "Addresses",
        "Payment",
        "Completion",
        "Timestamps",
    ]


@pytest.mark.parametrize(
    ("status", "stage", "actions"),
    [
        (
            Status.ACTIVE,
            Stage.MANAGE_BOOKING,
            ["complete_manage_booking", "flag_additional_information", "delete_baskets"],
        ),
        (Status.ACTIVE, Stage.BASKET, ["delete_baskets"]),
        # A locked cart's Delete is the locked-cart panel's decision (with a reason).
        (Status.LOCKED, Stage.PAYMENT, []),
        (Status.AWAITING_COMPLETION, Stage.PAYMENT, []),
        (Status.COMPLETION_FAILED, Stage.PAYMENT, []),
    ],
    ids=["active-at-manage-booking", "active-new", "locked", "awaiting", "failed"],
)
@pytest.mark.django_db
def test_only_the_actions_the_status_allows(client, status, stage, actions):
    """SPEC: CB-5 CB-6 BM-1 LC-4 — the page offers exactly the allowed actions."""
    login(client, "System administrator")
    basket = basket_in_status(status, stage=stage)

    page = page_of(client, basket)

    assert re.findall(r'id="basket-action-([a-z_]+)"', page) == actions
    assert 'name="_save"' not in page


@pytest.mark.django_db
def test_order_processor_sees_no_shop_account_personal_data_on_the_page(client):
    """SPEC: AC-1 BM-4 — no parties or addresses section for an Order processor."""
    login(client, "Order processor")
    basket = BasketFactory(customer=True, payment_address={"line1": "1 Secret Road"})

    page = page_of(client, basket)

    assert "Parties" not in sections(page) and "Addresses" not in sections(page)
    assert basket.shop_account.email not in page and "1 Secret Road" not in page


@pytest.mark.django_db
def test_the_page_of_a_completed_basket_reads_its_order_once(client):
    """SPEC: CB-2 — header, order and invoice fields come from one read of the order (with
    its invoice), whatever number of places show them."""
    login(client, "System administrator")
    basket = paid_basket(customer=True)
    completion_run(worker="test")
    ContentType.objects.clear_cache()
    # Counted warm: what the process keeps between pages (content types, the rendered nav
    # sidebar and filters) is read by the first page whatever earlier tests left cached.
    page_of(client, basket)

    with CaptureQueriesContext(connection) as queries:
        page_of(client, basket)

    order_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "baskets_order"."id"')
    ]
    assert len(order_reads) == 1, order_reads
    assert len(queries.captured_queries) <= PAGE_QUERIES, [
        query["sql"][:120] for query in queries.captured_queries
    ]
