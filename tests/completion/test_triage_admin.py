"""Staff triage of completion in the admin (CB-4): requeue, close, reconciliation, visibility."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from baskets.models import Basket, BasketEvent, Order, Product, Status
from baskets.roles import ORDER_PROCESSOR, roles_ensure
from completion.models import CompletionFailureClosure
from completion.services import completion_run
from tests.support.completion import paid_basket
from tests.support.factories import UserFactory

TRIAGE = "/admin/completion/completionfailedbasket/"


@pytest.fixture
def processor(client):
    roles_ensure(Group, Permission)
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get(name=ORDER_PROCESSOR))
    client.force_login(user)
    return client


def failed_basket(product="PRD-000"):
    basket = paid_basket()
    Product.objects.filter(id=product).update(available=False)
    for _ in range(3):
        completion_run(worker="test")
    basket.refresh_from_db()
    assert basket.status == Status.COMPLETION_FAILED
    return basket


@pytest.mark.django_db
def test_triage_groups_failures_by_error(processor):
    """SPEC: CB-4"""
    first, second = failed_basket(), failed_basket()
    page = processor.get(TRIAGE)
    assert page.status_code == 200
    groups = list(page.context["error_groups"])
    assert groups == [
        {"last_error": "Product PRD-000 was withdrawn before completion.", "baskets": 2}
    ]
    shown = {basket.pk for basket in page.context["cl"].result_list}
    assert shown == {first.pk, second.pk}


@pytest.mark.django_db
def test_requeue_needs_a_reason_and_gives_fresh_attempts(processor):
    """SPEC: CB-4 — requeued with a recorded reason, then completed by the next run."""
    basket = failed_basket()
    data = {"action": "requeue", "_selected_action": [basket.pk]}
    confirmation = processor.post(TRIAGE, data)
    assert "fresh set of completion attempts" in confirmation.content.decode()
    no_reason = processor.post(TRIAGE, {**data, "confirmed": "yes", "reason": " "})
    assert "Give a reason: it is kept in the timeline." in no_reason.content.decode()
    assert Basket.objects.get(pk=basket.pk).status == Status.COMPLETION_FAILED

    processor.post(TRIAGE, {**data, "confirmed": "yes", "reason": "product back in stock"})
    basket.refresh_from_db()
    assert (basket.status, basket.completion_attempts) == (Status.AWAITING_COMPLETION, 0)
    event = BasketEvent.objects.filter(basket=basket, action="requeue").get()
    assert (event.reason, event.actor_label) == ("product back in stock", "staff:olga")

    Product.objects.filter(id="PRD-000").update(available=True)
    assert completion_run(worker="test").completed == 1
    assert Order.objects.filter(basket=basket).count() == 1


@pytest.mark.django_db
def test_close_takes_the_basket_out_of_triage(processor):
    """SPEC: CB-4"""
    basket = failed_basket()
    processor.post(
        TRIAGE,
        {
            "action": "close",
            "_selected_action": [basket.pk],
            "confirmed": "yes",
            "reason": "refunded by phone",
        },
    )
    assert CompletionFailureClosure.objects.get(basket=basket).reason == "refunded by phone"
    assert BasketEvent.objects.filter(basket=basket, action="close_completion_failure").count() == 1
    page = processor.get(TRIAGE)
    assert list(page.context["cl"].result_list) == []
    assert Basket.objects.get(pk=basket.pk).status == Status.COMPLETION_FAILED


@pytest.mark.django_db
def test_baskets_in_completion_show_attempts_error_and_next_run(processor, settings):
    """SPEC: CB-3 CB-4"""
    basket = paid_basket()
    Product.objects.filter(id="PRD-000").update(available=False)
    completion_run(worker="test")
    page = processor.get("/admin/completion/basketincompletion/").content.decode()
    assert str(basket.guid) in page
    assert "Product PRD-000 was withdrawn" in page
    interval = int(settings.COMPLETION_INTERVAL.total_seconds())
    assert f"next scheduled run (every {interval} s)" in page


@pytest.mark.django_db
def test_reconciliation_lists_paid_baskets_without_order_after_the_delay(processor, settings):
    """SPEC: CB-3"""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        basket = paid_basket()
        assert (
            str(basket.guid)
            not in processor.get("/admin/completion/unreconciledbasket/").content.decode()
        )
        clock.shift(settings.RECONCILE_AFTER + timedelta(minutes=1))
        page = processor.get("/admin/completion/unreconciledbasket/").content.decode()
        assert str(basket.guid) in page and "PSP-1" in page
        completion_run(worker="test")
        page = processor.get("/admin/completion/unreconciledbasket/").content.decode()
        assert str(basket.guid) not in page


@pytest.mark.django_db
def test_completion_failed_filter_on_the_grid(processor):
    """SPEC: CB-4"""
    failed = failed_basket()
    paid_basket()
    page = processor.get("/admin/baskets/basket/", {"status": "completion_failed"})
    assert [b.pk for b in page.context["cl"].result_list] == [failed.pk]


@pytest.mark.django_db
def test_admin_index_counts_baskets_that_need_a_person(processor, settings):
    """SPEC: CB-4"""
    failed_basket()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        paid_basket()
        clock.shift(settings.RECONCILE_AFTER + timedelta(minutes=1))
        page = processor.get("/admin/").content.decode()
    assert '<strong id="completion-failed-count">1</strong>' in page
    assert '<strong id="completion-stuck-count">1</strong>' in page
