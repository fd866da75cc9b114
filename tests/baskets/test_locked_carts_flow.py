"""The whole locked-cart path over HTTP (SPEC API-2, LC-1 to LC-4, CB-3): a storefront
creates and fills a basket, the payment stays pending, the cart locks, staff decide in the
admin (Confirm order, Unlock, Delete), and the storefront's old session gets a 409."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.models import Basket, BasketEvent, Order, PaymentResult, Status
from baskets.roles import roles_ensure
from completion.services import completion_run
from tests.support.clients import api_client
from tests.support.factories import ProductFactory, UserFactory, basket_in_status

CHANGELIST = "/admin/baskets/basket/"


@pytest.fixture
def staff(client):
    user = UserFactory(username="alice", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def locked_basket(api, settings) -> Basket:
    """Create, fill, check out and pay "pending" over the API: the cart locks (LC-1)."""
    settings.PENDING_PAYMENT_POLICY = "lock"
    ProductFactory(id="CRS-1", name="Course", kind="course", price=Decimal("150.00"))
    ProductFactory(id="BOOK", name="Book", price=Decimal("25.00"))
    guid = api.post("/api/baskets/", {}, format="json").json()["guid"]
    for product, quantity in (("CRS-1", 1), ("BOOK", 2)):
        response = api.post(
            f"/api/baskets/{guid}/lines/",
            {"product_id": product, "quantity": quantity, "booked_user_id": "U-7"},
            format="json",
        )
        assert response.status_code == 200
    for stage in ("login_register", "additional_information", "manage_booking", "payment"):
        assert (
            api.post(f"/api/baskets/{guid}/stage/", {"stage": stage}, format="json").status_code
            == 200
        )
    paid = api_client("payments", "provider").post(
        f"/api/baskets/{guid}/payment/",
        {
            "result": "pending",
            "amount": "200.00",
            "currency": "EUR",
            "provider_reference": "PP-123",
            "masked_card_number": "****4242",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="pending-1",
    )
    assert paid.status_code == 200 and paid.json()["status"] == "locked"
    basket = Basket.objects.get(guid=guid)
    assert basket.status == Status.LOCKED and basket.total == Decimal("200.00")
    return basket


def decide(staff, basket: Basket, action: str, reason: str):
    """Pick the action in the grid, see the confirmation page, confirm with a reason."""
    selected = {"action": action, "_selected_action": [basket.pk], "index": "0"}
    asked = staff.post(CHANGELIST, selected)
    assert asked.status_code == 200
    assert b"Yes, I'm sure" in asked.content and str(basket.guid).encode() in asked.content
    assert Basket.objects.filter(pk=basket.pk, status=Status.LOCKED).exists()  # not yet
    done = staff.post(CHANGELIST, {**selected, "confirmed": "yes", "reason": reason}, follow=True)
    assert done.status_code == 200
    return done


def storefront_write_refused(api, basket: Basket, message: str):
    response = api.post(
        f"/api/baskets/{basket.guid}/lines/", {"product_id": "BOOK", "quantity": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "basket_hold_ended"
    assert message in response.json()["detail"]


@pytest.mark.django_db
def test_locked_cart_widget_filter_and_detail(api, staff, settings):
    """SPEC: LC-2 LC-3 — dashboard count, Locked carts filter, total, masked card, reference."""
    basket = locked_basket(api, settings)
    basket_in_status(Status.LOCKED)
    basket_in_status(Status.ACTIVE)

    index = staff.get("/admin/").content.decode()
    assert 'id="locked-carts-widget"' in index
    assert '<strong id="locked-cart-count">2</strong> locked carts' in index
    assert f"{CHANGELIST}?cart=locked" in index

    listed = staff.get(CHANGELIST, {"cart": "locked"}).content.decode()
    assert listed.count('class="action-select"') == 2
    assert str(basket.guid) in listed

    detail = staff.get(f"{CHANGELIST}{basket.pk}/change/").content.decode()
    assert 'id="locked-cart-panel"' in detail
    assert '<td id="locked-total">200.00 EUR</td>' in detail
    assert '<td id="locked-card">****4242</td>' in detail
    assert '<td id="locked-reference">PP-123</td>' in detail


@pytest.mark.django_db
def test_pending_lock_confirm_then_complete(api, staff, settings):
    """SPEC: API-2 LC-1 LC-4 CB-3 — create, fill, pay pending, lock, confirm, complete."""
    basket = locked_basket(api, settings)

    done = decide(staff, basket, "confirm_locked_carts", "Payment PP-123 seen at PayPal")
    assert b"Confirmed as paid: 1 basket(s)." in done.content
    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION and basket.paid_at is not None
    event = BasketEvent.objects.get(basket=basket, action="confirm")
    assert (event.actor_label, event.reason) == ("staff:alice", "Payment PP-123 seen at PayPal")
    assert (event.from_status, event.to_status) == (Status.LOCKED, Status.AWAITING_COMPLETION)
    storefront_write_refused(api, basket, "Start again with a new basket")

    completion_run(worker="test")
    basket.refresh_from_db()
    assert basket.status == Status.COMPLETED
    order = Order.objects.get(basket=basket)
    assert order.total == Decimal("200.00") and order.lines.count() == 2

    # The provider's final "paid" arrives late: no second order, kept for reconciliation.
    late = api_client("payments", "provider").post(
        f"/api/baskets/{basket.guid}/payment/",
        {"result": "paid", "amount": "200.00", "currency": "EUR", "provider_reference": "PP-123"},
        format="json",
    )
    assert late.status_code == 200 and late.json()["outcome"] == "reconciliation"
    assert Order.objects.filter(basket=basket).count() == 1
    assert Basket.objects.get(pk=basket.pk).status == Status.COMPLETED
    assert PaymentResult.objects.filter(basket=basket, outcome="reconciliation").count() == 1


@pytest.mark.django_db
def test_pending_lock_unlock_resume_and_pay(api, staff, settings):
    """SPEC: API-2 LC-4 — unlock: Active with the same contents; the old session gets a
    409, the storefront resumes and the shopper pays."""
    basket = locked_basket(api, settings)
    lines_before = list(basket.lines.values_list("product_id", "quantity", "unit_price"))

    done = decide(staff, basket, "unlock_locked_carts", "No payment at PayPal; customer called")
    assert b"Unlocked: 1 basket(s)." in done.content
    basket.refresh_from_db()
    assert basket.status == Status.ACTIVE and basket.locked_at is None
    assert list(basket.lines.values_list("product_id", "quantity", "unit_price")) == lines_before
    assert BasketEvent.objects.get(basket=basket, action="unlock").actor_label == "staff:alice"
    storefront_write_refused(api, basket, "Staff unlocked basket")

    resumed = api.post(f"/api/baskets/{basket.guid}/resume/", {}, format="json")
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert (
        api.post(
            f"/api/baskets/{basket.guid}/stage/", {"stage": "payment"}, format="json"
        ).status_code
        == 200
    )
    paid = api_client("payments", "provider").post(
        f"/api/baskets/{basket.guid}/payment/",
        {"result": "paid", "amount": "200.00", "currency": "EUR"},
        format="json",
    )
    assert paid.json()["status"] == "awaiting_completion"
    completion_run(worker="test")
    assert Basket.objects.get(pk=basket.pk).status == Status.COMPLETED
    assert Order.objects.filter(basket=basket).count() == 1


@pytest.mark.django_db
def test_pending_lock_then_delete(api, staff, settings):
    """SPEC: LC-4 BM-1 — delete: the basket is gone, the timeline keeps it, the old
    session gets a 409 telling the storefront to start again."""
    basket = locked_basket(api, settings)

    done = decide(staff, basket, "delete_locked_carts", "Customer asked to cancel")
    assert b"Deleted: 1 basket(s)." in done.content
    assert not Basket.objects.filter(pk=basket.pk).exists()
    event = BasketEvent.objects.get(basket_guid=basket.guid, action="delete")
    assert (event.actor_label, event.reason) == ("staff:alice", "Customer asked to cancel")
    assert event.payload["total"] == "200.00"
    storefront_write_refused(api, basket, "was deleted by staff")
    assert api.get(f"/api/baskets/{basket.guid}/").status_code == 404


@pytest.mark.django_db
def test_decisions_need_a_reason_and_only_apply_to_locked_carts(api, staff, settings):
    """SPEC: LC-4 — no reason: asked again, nothing changes; an Active basket is refused by
    each decision, Unlock included (not "already done")."""
    basket = locked_basket(api, settings)
    active = basket_in_status(Status.ACTIVE)

    again = staff.post(
        CHANGELIST,
        {"action": "delete_locked_carts", "_selected_action": [basket.pk], "confirmed": "yes"},
    )
    assert again.status_code == 200 and b"Give a reason" in again.content
    assert Basket.objects.get(pk=basket.pk).status == Status.LOCKED

    for action in ("confirm_locked_carts", "delete_locked_carts"):
        done = decide_any(staff, active, action)
        assert b"Refused" in done.content
    unlocked = decide_any(staff, active, "unlock_locked_carts")
    assert [str(m) for m in unlocked.context["messages"]] == [
        f"Refused {active.guid}: Cannot unlock a basket that is active."
    ]
    active.refresh_from_db()
    assert active.status == Status.ACTIVE and active.hold_ended_at is None
    assert BasketEvent.objects.filter(basket=active).count() == 0


def decide_any(staff, basket, action):
    return staff.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [basket.pk],
            "confirmed": "yes",
            "reason": "test",
        },
        follow=True,
    )


@pytest.mark.django_db
def test_results_for_reconciliation_are_listed_in_the_admin(api, staff, settings):
    """SPEC: LC-4 LC-3 — a late result after a delete is listed for staff to reconcile."""
    basket = locked_basket(api, settings)
    decide(staff, basket, "delete_locked_carts", "no payment seen")
    api_client("payments", "provider").post(
        f"/api/baskets/{basket.guid}/payment/",
        {
            "result": "paid",
            "amount": "200.00",
            "currency": "EUR",
            "provider_reference": "PP-LATE",
            "masked_card_number": "****4242",
        },
        format="json",
    )
    page = staff.get("/admin/baskets/paymentresult/", {"outcome__exact": "reconciliation"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "PP-LATE" in body and str(basket.guid) in body and "PP-123" not in body


@pytest.mark.django_db
def test_both_staff_roles_may_read_payment_results():
    """SPEC: BM-4 LC-3 — both roles include the PaymentResult rights (migration 0004 runs
    the same roles_ensure; a transaction=True test elsewhere may have flushed the groups)."""
    roles_ensure(Group, Permission)
    for name in ("System administrator", "Order processor"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert "view_paymentresult" in codenames, name


@pytest.mark.django_db
def test_locked_cart_list_shows_masked_card_number_and_payment_reference(api, staff, settings):
    """SPEC: LC-2 LC-3 — the "Locked carts" filter lists exactly the locked carts with the
    total, masked card number and payment reference staff match against the provider."""
    basket = locked_basket(api, settings)
    basket_in_status(Status.ACTIVE)

    response = staff.get(CHANGELIST, {"cart": "locked"})

    assert [row.pk for row in response.context["cl"].result_list] == [basket.pk]
    page = response.content.decode()
    for cell in (
        '<td class="field-masked_card_number">****4242</td>',
        '<td class="field-payment_reference">PP-123</td>',
        '<td class="field-total nowrap">200.00 EUR</td>',
    ):
        assert cell in page, cell


@pytest.mark.django_db
def test_locked_cart_page_has_one_delete_and_a_decision_lands_back_on_the_list(
    api, staff, settings
):
    """SPEC: LC-3 LC-4 — the locked cart's page offers Delete once (the panel's decision,
    with a reason); Unlock chosen there asks for a reason (No, take me back: the cart's
    page), then lands on the locked-cart list the page was opened from, with its message;
    Delete chosen on a page opened without filters lands on the grid (the cart is gone)."""
    basket = locked_basket(api, settings)
    page = f"{CHANGELIST}{basket.pk}/change/"
    locked_list = f"{CHANGELIST}?cart=locked"

    detail = staff.get(page).content.decode()
    assert detail.count('value="Delete') == 1 and 'class="deletelink"' not in detail
    assert 'id="locked-cart-delete_locked_carts"' in detail
    assert f'name="_return_to" value="{locked_list}"' in detail
    assert f'name="_cancel_to" value="{page}"' in detail

    selected = {
        "action": "unlock_locked_carts",
        "_selected_action": [basket.pk],
        "_return_to": locked_list,
        "_cancel_to": page,
    }
    asked = staff.post(CHANGELIST, selected).content.decode()
    assert f'name="_return_to" value="{locked_list}"' in asked
    assert f'href="{page}" class="button cancel-link"' in asked
    done = staff.post(CHANGELIST, {**selected, "confirmed": "yes", "reason": "No payment seen"})
    assert done.status_code == 302 and done["Location"] == locked_list
    landed = staff.get(locked_list)
    assert [str(m) for m in landed.context["messages"]] == ["Unlocked: 1 basket(s)."]
    assert Basket.objects.get(pk=basket.pk).status == Status.ACTIVE

    other = basket_in_status(Status.LOCKED)
    other_page = f"{CHANGELIST}{other.pk}/change/"
    gone = staff.post(
        CHANGELIST,
        {
            "action": "delete_locked_carts",
            "_selected_action": [other.pk],
            "_return_to": other_page,
            "confirmed": "yes",
            "reason": "Customer cancelled",
        },
    )
    assert gone.status_code == 302 and gone["Location"] == CHANGELIST
    assert not Basket.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_a_return_address_off_this_site_is_ignored(staff):
    """SPEC: LC-4 — the return address is a path on this site, else the decision lands on the
    grid (no open redirect)."""
    basket = basket_in_status(Status.LOCKED)
    done = staff.post(
        CHANGELIST,
        {
            "action": "unlock_locked_carts",
            "_selected_action": [basket.pk],
            "_return_to": "https://evil.example/x",
            "confirmed": "yes",
            "reason": "checked",
        },
    )
    assert done.status_code == 302 and done["Location"] == CHANGELIST
