"""Actions keep staff where they were: the basket page after a basket action, the filtered
list (same filters, same page) after a list action, the next locked cart on a locked cart's
page, one Delete on a basket's page, a reason for every deletion."""

from urllib.parse import quote, urlsplit

import pytest

from baskets.models import Basket, BasketBulkJob, BasketEvent, Status
from baskets.services.bulk_jobs import basket_bulk_job_run
from tests.support.clients import staff_user
from tests.support.factories import BasketFactory, LineFactory, basket_in_status

GRID = "/admin/baskets/basket/"
LOCKED = "cart=locked&scope=all"


@pytest.fixture
def administrator(client):
    client.force_login(staff_user("System administrator"))
    return client


def page_of(basket: Basket, filters: str = LOCKED) -> str:
    return f"{GRID}{basket.pk}/change/?_changelist_filters={quote(filters)}"


@pytest.mark.django_db
def test_a_list_action_returns_to_the_same_filters_and_page(administrator, settings):
    """The confirmation posts to the list's own URL and the decision lands back there."""
    carts = [basket_in_status(Status.LOCKED) for _ in range(3)]
    url = f"{GRID}?{LOCKED}&o=1"
    data = {"action": "unlock_locked_carts", "_selected_action": [carts[0].pk]}
    confirmation = administrator.post(url, data)
    assert b'name="reason"' in confirmation.content
    done = administrator.post(url, data | {"confirmed": "yes", "reason": "provider says no"})
    assert done.status_code == 302 and done["Location"] == url
    assert Basket.objects.get(pk=carts[0].pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_a_page_past_the_end_after_an_action_shows_the_last_page(administrator):
    from baskets.admin.grid import BasketAdmin

    BasketAdmin.list_per_page, kept = 2, BasketAdmin.list_per_page
    try:
        for _ in range(3):
            basket_in_status(Status.LOCKED)
        response = administrator.get(f"{GRID}?{LOCKED}&p=5")
    finally:
        BasketAdmin.list_per_page = kept
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1


@pytest.mark.django_db
def test_a_basket_action_returns_to_the_basket_page(administrator):
    basket = BasketFactory(stage="manage_booking")
    page = page_of(basket, "scope=all&stage=manage_booking")
    response = administrator.post(
        f"{GRID}?scope=all",
        {
            "action": "complete_manage_booking",
            "_selected_action": [basket.pk],
            "_return_to": page,
        },
    )
    assert response.status_code == 302 and response["Location"] == page


@pytest.mark.django_db
def test_a_locked_cart_decision_from_its_page_returns_to_the_filtered_list(administrator):
    first, second = basket_in_status(Status.LOCKED), basket_in_status(Status.LOCKED)
    page = administrator.get(page_of(second))
    places = page.context["locked_places"]
    assert places["list_url"] == f"{GRID}?{LOCKED}"
    # The grid shows the newest first: after the second cart comes the first.
    assert urlsplit(places["next_url"]).path == f"{GRID}{first.pk}/change/"
    assert "_changelist_filters=cart%3Dlocked%26scope%3Dall" in places["next_url"]
    content = page.content.decode()
    assert content.count('value="Delete"') == 1 and 'class="deletelink"' not in content

    response = administrator.post(
        GRID,
        {
            "action": "confirm_locked_carts",
            "_selected_action": [second.pk],
            "_return_to": places["list_url"],
            "confirmed": "yes",
            "reason": "paid at the provider",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{GRID}?{LOCKED}"
    # The last cart of the list says so instead of offering a next one.
    last = administrator.get(page_of(first)).context["locked_places"]
    assert last["next_url"] == ""


@pytest.mark.django_db
def test_deleting_a_basket_from_its_page_asks_a_reason_and_leads_back_to_the_grid(
    administrator, django_capture_on_commit_callbacks
):
    basket = BasketFactory()
    page = page_of(basket, "scope=open&p=1")
    content = administrator.get(page).content.decode()
    assert content.count("Delete basket") == 1 and 'class="deletelink"' not in content
    data = {"action": "delete_baskets", "_selected_action": [basket.pk], "_return_to": page}

    refused = administrator.post(f"{GRID}?scope=all", data | {"confirmed": "yes"})
    assert refused.status_code == 200 and b"Give a reason" in refused.content
    assert Basket.objects.filter(pk=basket.pk).exists()

    with django_capture_on_commit_callbacks(execute=False):
        done = administrator.post(
            f"{GRID}?scope=all", data | {"confirmed": "yes", "reason": "test"}
        )
    # The deletion is a job; its page leads back to the grid the basket was opened from.
    job = BasketBulkJob.objects.get()
    assert done.status_code == 302 and done["Location"] == f"{GRID}jobs/{job.pk}/"
    assert (job.back_url, job.reason) == (f"{GRID}?scope=open&p=1", "test")
    basket_bulk_job_run(job_id=job.pk)
    assert not Basket.objects.filter(pk=basket.pk).exists()
    assert BasketEvent.objects.filter(basket_guid=basket.guid, reason="test").exists()


@pytest.mark.django_db
def test_the_delete_page_without_a_reason_deletes_nothing(administrator):
    basket = BasketFactory()
    response = administrator.post(f"{GRID}{basket.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"{GRID}{basket.pk}/change/"
    assert Basket.objects.filter(pk=basket.pk).exists()


@pytest.mark.django_db
def test_a_line_edit_returns_to_the_basket_page_as_it_was_opened(administrator):
    basket = BasketFactory()
    line = LineFactory(basket=basket, quantity=3)
    page = page_of(basket, "scope=open&p=2")
    content = administrator.get(page).content.decode()
    assert f'id="line-edit-{line.pk}"' in content and 'name="_return_to"' in content
    response = administrator.post(
        f"{GRID}line-edit/",
        {"line": line.pk, "quantity": "1", "reason": "asked by phone", "_return_to": page},
    )
    assert response.status_code == 302 and response["Location"] == page
    # A page elsewhere is not followed: the basket's own page.
    other = administrator.post(
        f"{GRID}line-edit/",
        {"line": line.pk, "quantity": "2", "reason": "again", "_return_to": "/admin/"},
    )
    assert other["Location"] == f"{GRID}{basket.pk}/change/"
