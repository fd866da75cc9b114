"""Completion waits for its cause (SPEC CB-4 with SH-1): a basket that failed because its
product was withdrawn, or lost its price in the basket's currency, shows "would now succeed"
once the shop syncs the product back; staff requeue all such baskets at once (or the live
setting does), and a real worker completes. The shop's own deactivation (``"active":
false``) only stops new lines: a paid basket holding the product still completes."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from baskets.models import Basket, BasketEvent, Order, Product, Status
from baskets.roles import ORDER_PROCESSOR, roles_ensure
from completion.selectors import completion_failed_now_completable_ids
from completion.services import completion_run
from completion.tasks import completion_run_task
from tests.support.clients import api_client
from tests.support.completion import paid_basket
from tests.support.factories import UserFactory
from tests.support.workers import celery_workers, wait_until

TRIAGE = "/admin/completion/completionfailedbasket/"
KETTLE = {"name": "Kettle", "prices": {"EUR": "10.00"}}


@pytest.fixture
def processor(client):
    roles_ensure(Group, Permission)
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_PROCESSOR))
    client.force_login(user)
    return client


def failed_for_a_withdrawn_product(storefront) -> Basket:
    """A paid basket whose product PRD-000 staff withdrew: three failed attempts."""
    basket = paid_basket(lines=1, course=False)
    Product.objects.filter(pk="PRD-000").update(available=False)
    return failed_three_times(basket, "Product PRD-000 was withdrawn before completion.")


def failed_three_times(basket: Basket, error: str) -> Basket:
    for _ in range(3):
        completion_run(worker="test")
    basket.refresh_from_db()
    assert (basket.status, basket.last_error) == (Status.COMPLETION_FAILED, error)
    return basket


def shown_as_ready(processor) -> set[str]:
    page = processor.get(TRIAGE, {"now_completable": "yes"}).content.decode()
    return {guid for guid in Basket.objects.values_list("guid", flat=True) if str(guid) in page}


def completed_by_a_worker(basket: Basket, failure: str) -> None:
    """A real worker's completion run takes ``basket`` to Completed."""
    with celery_workers(1):
        completion_run_task.delay()
        wait_until(
            lambda: Basket.objects.get(pk=basket.pk).status == Status.COMPLETED,
            timeout=120,
            message=failure,
        )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_withdrawn_products_basket_would_now_succeed_after_the_sync_and_completes(processor):
    """SPEC: CB-4 SH-1 — "would now succeed" after the sync; the staff action requeues
    it with the reason in its timeline; a real worker makes the order."""
    storefront = api_client("storefront", "storefront")
    other = paid_basket(lines=0, course=False)  # no lines: a failure no sync can undo
    basket = failed_for_a_withdrawn_product(storefront)  # its three runs fail ``other`` too
    assert Basket.objects.get(pk=other.pk).last_error == "The basket has no lines."
    assert shown_as_ready(processor) == set()

    synced = storefront.put("/api/products/PRD-000/", KETTLE, format="json")

    assert synced.json()["result"] == "updated"
    assert shown_as_ready(processor) == {basket.guid}
    data = {
        "action": "requeue_now_completable",
        "_selected_action": [basket.pk, other.pk],
        "confirmed": "yes",
        "reason": "Kettle is back in the catalogue",
    }
    answer = processor.post(TRIAGE, data, follow=True).content.decode()
    assert "Requeued: 1 basket(s)." in answer
    assert "not requeued: its failure was not a withdrawn product" in answer
    assert Basket.objects.get(pk=other.pk).status == Status.COMPLETION_FAILED
    basket.refresh_from_db()
    assert (basket.status, basket.completion_attempts) == (Status.AWAITING_COMPLETION, 0)
    event = BasketEvent.objects.get(basket=basket, action="requeue")
    assert (event.reason, event.actor_label) == ("Kettle is back in the catalogue", "staff:olga")

    completed_by_a_worker(basket, "the worker did not complete the requeued basket")
    assert Order.objects.filter(basket=basket).count() == 1


def failed_for_a_missing_price(storefront) -> Basket:
    """A paid EUR basket whose product PRD-000 the shop's sync left without a EUR price:
    three failed attempts."""
    basket = paid_basket(lines=1, course=False)
    synced = storefront.put("/api/products/PRD-000/", {**KETTLE, "prices": {}}, format="json")
    assert synced.json()["result"] == "updated"
    return failed_three_times(basket, "Item PRD-000 has no price in the basket's currency.")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_missing_prices_basket_would_now_succeed_after_the_sync_and_completes(processor):
    """SPEC: CB-4 SH-2 — a price removed by the sync fails completion; the price synced
    back shows "would now succeed"; the staff action requeues it and a real worker makes
    the order."""
    storefront = api_client("storefront", "storefront")
    basket = failed_for_a_missing_price(storefront)
    assert shown_as_ready(processor) == set()

    storefront.put("/api/products/PRD-000/", {**KETTLE, "prices": {"EUR": "12.00"}}, format="json")

    assert shown_as_ready(processor) == {basket.guid}
    data = {
        "action": "requeue_now_completable",
        "_selected_action": [basket.pk],
        "confirmed": "yes",
        "reason": "The EUR price is back",
    }
    assert "Requeued: 1 basket(s)." in processor.post(TRIAGE, data, follow=True).content.decode()
    basket.refresh_from_db()
    assert (basket.status, basket.completion_attempts) == (Status.AWAITING_COMPLETION, 0)
    completed_by_a_worker(basket, "the worker did not complete the requeued basket")
    # The order keeps the price the shopper paid, not the new one.
    assert Order.objects.get(basket=basket).lines.get().unit_price == Decimal("10.00")


@pytest.mark.django_db
def test_a_price_in_another_currency_does_not_make_the_basket_ready(settings):
    """SPEC: CB-4 SH-2 — only a price in the basket's own currency undoes the cause."""
    settings.SHOP_CURRENCIES = ["EUR", "USD"]
    storefront = api_client("storefront", "storefront")
    basket = failed_for_a_missing_price(storefront)

    storefront.put("/api/products/PRD-000/", {**KETTLE, "prices": {"USD": "11.00"}}, format="json")

    assert completion_failed_now_completable_ids() == []
    storefront.put("/api/products/PRD-000/", KETTLE, format="json")
    assert completion_failed_now_completable_ids() == [basket.pk]


@pytest.mark.django_db
def test_the_live_setting_requeues_on_the_sync_itself(settings):
    """SPEC: CB-4 — COMPLETION_REQUEUE_ON_SYNC: the sync that makes the product available
    again requeues the basket, the reason in its timeline."""
    settings.COMPLETION_REQUEUE_ON_SYNC = True
    storefront = api_client("storefront", "storefront")
    basket = failed_for_a_withdrawn_product(storefront)

    storefront.put("/api/products/PRD-000/", KETTLE, format="json")

    basket.refresh_from_db()
    assert basket.status == Status.AWAITING_COMPLETION
    event = BasketEvent.objects.get(basket=basket, action="requeue")
    assert "requeued automatically" in event.reason
    assert event.actor_label.startswith("api:")
    assert completion_run(worker="test").completed == 1


@pytest.mark.django_db
def test_without_the_live_setting_the_sync_leaves_the_basket_to_staff():
    """SPEC: CB-4 — off by default: still Completion Failed, now "would now succeed"."""
    storefront = api_client("storefront", "storefront")
    basket = failed_for_a_withdrawn_product(storefront)

    storefront.put("/api/products/PRD-000/", KETTLE, format="json")

    assert Basket.objects.get(pk=basket.pk).status == Status.COMPLETION_FAILED
    assert Product.objects.get(pk="PRD-000").available is True


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_product_the_shop_deactivates_still_completes_its_paid_basket_but_takes_no_new_line():
    """SPEC: SH-1 CB-4 — "active": false over the sync API is not a withdrawal: the paid
    basket holding the product completes with a real worker; a new line is refused."""
    storefront = api_client("storefront", "storefront")
    paid = paid_basket(lines=1, course=False)
    open_basket = storefront.post("/api/baskets/", {}, format="json").json()

    synced = storefront.put("/api/products/PRD-000/", {**KETTLE, "active": False}, format="json")

    assert synced.json()["result"] == "updated"
    assert storefront.get("/api/products/PRD-000/").json()["active"] is False
    refused = storefront.post(
        f"/api/baskets/{open_basket['guid']}/lines/",
        {"product_id": "PRD-000", "quantity": 1},
        format="json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "product_unavailable")
    assert not Basket.objects.get(guid=open_basket["guid"]).lines.exists()
    completed_by_a_worker(paid, "the worker did not complete the basket of a deactivated product")
    assert Order.objects.get(basket=paid).lines.get().product_id == "PRD-000"
