"""Staff bulk work as background jobs (SPEC BM-1): the request returns at once, a worker
goes through the baskets in batches, the job's page shows progress, refusals and result."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from baskets.exceptions import BulkJobOverlap
from baskets.models import (
    Basket,
    BasketBulkJob,
    BasketEvent,
    BulkJobAction,
    BulkJobStatus,
    GiftCard,
    GiftCardReservation,
    Status,
)
from baskets.services.actors import Actor
from baskets.services.bulk_jobs import basket_bulk_job_run, basket_bulk_job_start
from baskets.services.staff import basket_delete, baskets_delete
from tests.support.browser import (
    CHROMIUM_ARGS,
    chromium_path,
    confirm_timed,
    grid_action_on_everything,
)
from tests.support.bulk_baskets import baskets_insert
from tests.support.factories import BasketFactory, LineFactory, UserFactory, basket_in_status
from tests.support.workers import celery_workers, wait_until

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
STAFF = Actor.system("tests")


def _events(guid) -> list[dict]:
    return list(
        BasketEvent.objects.filter(basket_guid=guid, action="delete").values(
            "action", "from_status", "to_status", "actor_label", "reason", "payload"
        )
    )


@pytest.mark.django_db
def test_a_batch_deletes_as_one_by_one_does_and_refuses_per_basket():
    """SPEC: BM-1 LC-4 SH-5 — the batch writes the same timeline snapshot as the single
    delete, releases gift-card reservations, and refuses paid, completed and gone baskets
    each with its reason."""
    one, two = BasketFactory(), BasketFactory()
    for basket in (one, two):
        LineFactory(basket=basket, product_id="PRD-7", quantity=2)
    card = GiftCard.objects.create(code="GC-BULK", balance=Decimal("20.00"))
    GiftCardReservation.objects.create(
        card=card, basket=two, amount=Decimal("5.00"), reserved_at=timezone.now()
    )
    paid = basket_in_status(Status.AWAITING_COMPLETION)
    completed = basket_in_status(Status.COMPLETED)

    basket_delete(basket_id=one.pk, actor=STAFF, reason="same")
    deleted, refused = baskets_delete(
        basket_ids=[two.pk, paid.pk, completed.pk, one.pk], actor=STAFF, reason="same"
    )

    assert deleted == 1
    assert dict(refused) == {
        str(paid.guid): "the basket is Awaiting Completion; paid and completed baskets are kept.",
        str(completed.guid): "the basket is Completed; paid and completed baskets are kept.",
        str(one.pk): "the basket no longer exists.",
    }
    assert _events(two.guid) == _events(one.guid) and len(_events(two.guid)) == 1
    assert not GiftCardReservation.objects.exists()
    assert set(Basket.objects.values_list("pk", flat=True)) == {paid.pk, completed.pk}


@pytest.mark.django_db
def test_a_second_job_over_the_same_baskets_is_refused_until_the_first_is_done(
    django_capture_on_commit_callbacks,
):
    """SPEC: BM-1 — while a job works on baskets, another job over any of them is refused
    clearly; once it is done, a new job may start; the job counts as it goes."""
    baskets = [BasketFactory() for _ in range(5)]
    ids = [b.pk for b in baskets]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = basket_bulk_job_start(action=BulkJobAction.DELETE, basket_ids=ids[:3], actor=STAFF)
    assert len(queued) == 1

    with pytest.raises(BulkJobOverlap, match=rf"#{first.pk}, 0 of 3 done"):
        basket_bulk_job_start(action=BulkJobAction.DELETE, basket_ids=ids[2:], actor=STAFF)
    assert BasketBulkJob.objects.count() == 1

    job, has_more = basket_bulk_job_run(job_id=first.pk, batch_size=2, budget=timedelta(0))
    assert (job.processed, job.done, job.status, has_more) == (2, 2, BulkJobStatus.RUNNING, True)
    job, has_more = basket_bulk_job_run(job_id=first.pk, batch_size=2)
    assert (job.processed, job.done, job.status, has_more) == (3, 3, BulkJobStatus.DONE, False)
    assert job.finished_at is not None

    with django_capture_on_commit_callbacks(execute=False):
        second = basket_bulk_job_start(action=BulkJobAction.DELETE, basket_ids=ids, actor=STAFF)
    job, _ = basket_bulk_job_run(job_id=second.pk)
    assert (job.done, len(job.refusals)) == (2, 3)
    assert not Basket.objects.exists()


@pytest.mark.django_db
def test_the_grid_refuses_a_second_delete_of_the_same_baskets_with_a_message(client):
    """SPEC: BM-1 — the admin says why a second job over the same baskets does not start."""
    administrator = UserFactory(username="rita", is_staff=True, is_superuser=True)
    client.force_login(administrator)
    basket = BasketFactory()
    data = {
        "action": "delete_baskets",
        "_selected_action": [basket.pk],
        "confirmed": "yes",
        "reason": "duplicate",
    }
    client.post("/admin/baskets/basket/", data)

    response = client.post("/admin/baskets/basket/", data, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert any("is still working on some of these baskets" in m for m in messages)
    assert BasketBulkJob.objects.count() == 1 and Basket.objects.filter(pk=basket.pk).exists()


BULK = 20_000


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_deleting_20000_baskets_from_the_grid_returns_at_once_and_shows_progress(live_server):
    """SPEC: BM-1 — a bulk delete of 20,000 baskets answers in under a second, a real
    worker does it, and the job's page shows the progress bar, the count and the result."""
    UserFactory(username="rita", is_staff=True, is_superuser=True)
    baskets_insert(BULK, timezone.now() - timedelta(days=3))
    with celery_workers(1), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        grid_action_on_everything(page, live_server.url, "delete_baskets")
        assert f"{BULK} basket(s) selected" in page.inner_text("#content")

        # when the staff member confirms, with a reason
        page.fill("#id_reason", "clean-up")
        status, answered = confirm_timed(page)
        page.wait_for_selector("#bulk-job-progress")

        # then the request returned at once, with the job's page
        assert status == 302
        assert answered < 1.0, f"the request took {answered:.2f} s"
        assert int(page.get_attribute("#bulk-job-progress", "max")) == BULK
        assert f"of {BULK} basket(s) processed" in page.inner_text("#bulk-job-count")
        wait_until(
            lambda: BasketBulkJob.objects.filter(status=BulkJobStatus.DONE).exists(),
            timeout=300,
            message="the worker did not finish the job",
        )
        page.reload()
        assert page.get_attribute("#bulk-job-progress", "value") == str(BULK)
        assert f"{BULK} deleted, 0 refused" in page.inner_text("#bulk-job-status")
        browser.close()
    assert not Basket.objects.exists()
    assert BasketEvent.objects.filter(action="delete").count() == BULK
