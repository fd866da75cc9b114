"""Every staff bulk action over more than a page of baskets runs as a background job
(SPEC BM-1): the locked-cart decisions, the grid's steps and the completion triage share
the delete's job, its page, its counts and its refusal of a second job over the same
baskets; a page's worth or less still runs at once."""

import os

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import sync_playwright

from baskets.models import Basket, BasketBulkJob, BasketEvent, BulkJobStatus, Status
from baskets.services.bulk_jobs import basket_bulk_job_run
from tests.support.browser import (
    CHROMIUM_ARGS,
    chromium_path,
    confirm_timed,
    grid_action_on_everything,
)
from tests.support.bulk_baskets import baskets_insert
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, UserFactory, basket_in_status
from tests.support.workers import celery_workers, wait_until

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
GRID = "/admin/baskets/basket/"
TRIAGE = "/admin/completion/completionfailedbasket/"
PAGE = 100  # the grid's and the triage's list_per_page
FAILURE = "Product PRD-BULK was withdrawn before completion."


def failed_baskets(count: int) -> list[int]:
    """``count`` Completion Failed baskets, made as the completion engine leaves them."""
    baskets_insert(count, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE baskets_basket SET status = 'completion_failed', paid_at = now(), "
            "completion_attempts = 3, last_attempt_at = now(), last_error = %s",
            [FAILURE],
        )
    return list(Basket.objects.values_list("pk", flat=True))


@pytest.fixture
def processor(client):
    client.force_login(staff_user("Order processor", username="olga"))
    return client


@pytest.mark.django_db
def test_a_triage_requeue_over_more_than_a_page_is_a_job_and_blocks_a_second_one(processor):
    """SPEC: BM-1 CB-4 — the request records a job and opens its page; nothing changes until
    the job runs; closing the same baskets meanwhile is refused with a clear message; the
    run requeues every basket and the page keeps the result and the way back."""
    ids = failed_baskets(PAGE + 1)
    data = {"action": "requeue", "_selected_action": ids, "confirmed": "yes", "reason": "back"}

    response = processor.post(f"{TRIAGE}?last_error={FAILURE}", data)

    job = BasketBulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/baskets/basket/jobs/{job.pk}/"
    assert (job.action, job.total, job.status) == ("completion_requeue", PAGE + 1, "queued")
    assert not Basket.objects.exclude(status=Status.COMPLETION_FAILED).exists()

    refused = processor.post(
        TRIAGE, {**data, "action": "close", "_selected_action": ids[:1]}, follow=True
    )
    messages = [str(m) for m in refused.context["messages"]]
    assert any(f"(requeue for completion #{job.pk}, 0 of 101 done)" in m for m in messages)
    assert BasketBulkJob.objects.count() == 1

    job, has_more = basket_bulk_job_run(job_id=job.pk)

    assert (job.done, job.unchanged, job.refusals, has_more) == (PAGE + 1, 0, [], False)
    assert Basket.objects.filter(status=Status.AWAITING_COMPLETION).count() == PAGE + 1
    assert BasketEvent.objects.filter(action="requeue", reason="back").count() == PAGE + 1
    page = processor.get(f"/admin/baskets/basket/jobs/{job.pk}/").content.decode()
    assert "101 requeued, 0 refused." in page
    assert f'href="{TRIAGE}?last_error=' in page


@pytest.mark.django_db
def test_a_page_of_baskets_or_fewer_is_still_done_at_once(admin_client):
    """SPEC: BM-1 — a selection that fits on one page runs in the request, as before."""
    baskets = [BasketFactory() for _ in range(3)]
    data = {
        "action": "flag_additional_information",
        "_selected_action": [b.pk for b in baskets],
    }
    response = admin_client.post(GRID, data, follow=True)
    assert "Flagged additional information supplied: 3 basket(s)." in response.content.decode()
    assert not BasketBulkJob.objects.exists()


@pytest.mark.django_db
def test_the_grid_steps_over_more_than_a_page_count_done_and_already_done(admin_client):
    """SPEC: BM-1 CB-6 — the flag over 101 baskets is a job; baskets already flagged are
    counted apart from those it changed."""
    ids = [BasketFactory().pk for _ in range(PAGE + 1)]
    data = {"action": "flag_additional_information", "_selected_action": ids[:2]}
    admin_client.post(GRID, data)

    admin_client.post(GRID, {**data, "_selected_action": ids})
    job = BasketBulkJob.objects.get()
    job, _ = basket_bulk_job_run(job_id=job.pk)

    assert (job.action, job.done, job.unchanged, job.refusals) == (
        "flag_additional_information",
        PAGE - 1,
        2,
        [],
    )
    page = admin_client.get(f"/admin/baskets/basket/jobs/{job.pk}/").content.decode()
    assert "99 flagged additional information supplied, 2 already done, 0 refused." in page


LOCKED = PAGE + 20


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_unlocking_more_than_a_page_of_carts_runs_as_a_job_with_refusals_per_basket(live_server):
    """SPEC: BM-1 LC-4 — unlocking 120 locked carts and one Active basket from the grid
    answers with the job's page; a real worker unlocks the carts and refuses the Active one,
    and the page shows the progress bar, the counts and that basket with its reason."""
    UserFactory(username="rita", is_staff=True, is_superuser=True)
    for _ in range(LOCKED):
        basket_in_status(Status.LOCKED)
    active = BasketFactory()
    with celery_workers(1), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        grid_action_on_everything(page, live_server.url, "unlock_locked_carts")
        assert f"{LOCKED + 1} basket(s) selected" in page.inner_text("#content")

        # when the staff member gives a reason and confirms
        page.fill("textarea[name=reason]", "provider never answered")
        status, answered = confirm_timed(page)
        page.wait_for_selector("#bulk-job-progress")

        # then the job's page answers at once, and keeps the result once the worker is done
        assert status == 302
        assert answered < 1.0, f"the request took {answered:.2f} s"
        assert int(page.get_attribute("#bulk-job-progress", "max")) == LOCKED + 1
        assert "Locked cart: Unlock" in page.inner_text("#content")
        wait_until(
            lambda: BasketBulkJob.objects.filter(status=BulkJobStatus.DONE).exists(),
            timeout=120,
            message="the worker did not finish the job",
        )
        page.reload()
        assert page.get_attribute("#bulk-job-progress", "value") == str(LOCKED + 1)
        assert f"{LOCKED} unlocked, 1 refused." in page.inner_text("#bulk-job-status")
        refusal = page.inner_text("#bulk-job-refusals")
        assert str(active.guid) in refusal and "is active" in refusal
        page.click("#bulk-job-back")
        assert page.url.endswith(GRID)
        browser.close()
    assert Basket.objects.filter(status=Status.ACTIVE).count() == LOCKED + 1
    assert BasketEvent.objects.filter(reason="provider never answered").count() == LOCKED
