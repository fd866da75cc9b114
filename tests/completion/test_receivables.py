"""Accounts receivable follow-up (SPEC AB-5, CB-2): staff record payment received or a
write-off with a reason; it lands in the basket's timeline and the filter drops the order."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from baskets.models import BasketEvent, Order
from baskets.roles import roles_ensure
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import UserFactory
from tests.support.snapshots import snapshot

ORDERS = "/admin/baskets/order/"


@pytest.fixture
def administrator(client):
    user = UserFactory(username="boss", is_staff=True)
    roles_ensure(Group, Permission)
    user.groups.add(Group.objects.get(name="System administrator"))
    client.force_login(user)
    return client


def order_in_accounts_receivable() -> Order:
    basket = paid_basket()
    completion_run(worker="test")
    order = Order.objects.get(basket=basket)
    # As the upsell finalisation leaves an order whose card charge failed (AB-5).
    Order.objects.filter(pk=order.pk).update(
        accounts_receivable_at=timezone.now(), accounts_receivable_note="Card declined."
    )
    return order


def in_accounts_receivable(client) -> list[str]:
    response = client.get(ORDERS, {"accounts_receivable": "yes"})
    return [order.number for order in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("action", "event", "outcome"),
    [
        ("record_payment_received", "receivable_paid", "payment_received"),
        ("record_written_off", "receivable_written_off", "written_off"),
    ],
    ids=["payment-received", "written-off"],
)
@pytest.mark.django_db
def test_settling_an_order_records_the_reason_and_leaves_accounts_receivable(
    administrator, action, event, outcome
):
    """SPEC: AB-5 CB-2 — the reason and the order number are in the basket's timeline."""
    order = order_in_accounts_receivable()
    assert in_accounts_receivable(administrator) == [order.number]

    before = snapshot()
    asked = administrator.post(ORDERS, {"action": action, "_selected_action": [order.pk]})
    assert b"Reason (kept in the basket" in asked.content and snapshot() == before
    done = administrator.post(
        ORDERS,
        {"action": action, "_selected_action": [order.pk], "reason": "Bank transfer 12 May"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.accounts_receivable_outcome == outcome
    [entry] = BasketEvent.objects.filter(basket_id=order.basket_id, action=event)
    assert (entry.reason, entry.payload, entry.actor_label) == (
        "Bank transfer 12 May",
        {"order": order.number, "outcome": outcome},
        "staff:boss",
    )
    assert in_accounts_receivable(administrator) == []
    assert done.status_code == 200


@pytest.mark.django_db
def test_no_reason_or_not_in_accounts_receivable_changes_nothing(administrator):
    """SPEC: section 7 — without a reason staff are asked again; an order not waiting in
    accounts receivable is refused with a message."""
    waiting = order_in_accounts_receivable()
    before = snapshot()

    asked = administrator.post(
        ORDERS, {"action": "record_written_off", "_selected_action": [waiting.pk], "reason": " "}
    )
    assert snapshot() == before
    assert asked.status_code == 200 and b"Reason (kept in the basket" in asked.content

    other = order_in_accounts_receivable()
    Order.objects.filter(pk=other.pk).update(accounts_receivable_at=None)
    before = snapshot()
    refused = administrator.post(
        ORDERS,
        {"action": "record_written_off", "_selected_action": [other.pk], "reason": "typo"},
        follow=True,
    )
    assert [str(m) for m in refused.context["messages"]] == [
        f"Refused {other.number}: Order {other.number} is not waiting in accounts receivable."
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_orders_are_found_by_basket_guid(administrator):
    """SPEC: CB-2 — staff find a basket's order by the basket GUID (or the order number)."""
    order = order_in_accounts_receivable()
    by_guid = administrator.get(ORDERS, {"q": str(order.basket.guid)})
    by_number = administrator.get(ORDERS, {"q": order.number})
    assert [o.pk for o in by_guid.context["cl"].result_list] == [order.pk]
    assert [o.pk for o in by_number.context["cl"].result_list] == [order.pk]
