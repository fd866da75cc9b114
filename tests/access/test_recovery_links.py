"""Recovery links and trust (SPEC AC-6, AC-7): a GET never moves a basket into an account nor
displaces the shopper's current basket; a stranger gets one answer whatever the basket's
status."""

import pytest
from django.test import Client

from baskets.models import Basket, BasketEvent, Status
from recovery.models import ShopperBasket
from tests.support.factories import basket_in_status
from tests.support.recovery import basket_with_line, login_shopper, recover


def state(basket: Basket) -> tuple:
    return (
        list(Basket.objects.filter(pk=basket.pk).values()),
        list(BasketEvent.objects.filter(basket_guid=basket.guid).values()),
        list(ShopperBasket.objects.order_by("pk").values()),
    )


@pytest.mark.django_db
def test_a_logged_in_shopper_confirms_before_an_anonymous_basket_becomes_theirs(client):
    """SPEC: AC-6 RL-4 — GET shows the basket and a button; only the POST moves it."""
    ada = login_shopper("ada")
    basket = basket_with_line()
    client.force_login(ada.user)
    before = state(basket)
    for _ in range(2):
        shown = recover(client, basket, confirm=False)
        assert shown.status_code == 200
        page = shown.content.decode()
        assert 'id="confirm-recovery"' in page and 'method="post"' in page
        assert "csrfmiddlewaretoken" in page and 'class="takes"' in page
    assert state(basket) == before

    done = client.post(f"/basket/recover/{basket.guid}/")
    assert done.status_code == 302
    assert Basket.objects.get(pk=basket.pk).shop_account_id == ada.pk


@pytest.mark.django_db
def test_a_cross_site_post_without_the_csrf_token_changes_nothing(client):
    """SPEC: AC-6 — the confirmation is CSRF-protected (SameSite=Lax lets GETs through)."""
    ada = login_shopper("ada")
    basket = basket_with_line()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada.user)
    before = state(basket)
    assert browser.post(f"/basket/recover/{basket.guid}/").status_code == 403
    assert state(basket) == before


@pytest.mark.django_db
@pytest.mark.parametrize("login", [True, False], ids=["login", "anonymous-visitor"])
def test_a_get_never_replaces_the_shoppers_current_basket(client, login):
    """SPEC: AC-6 RL-6 — with a current basket, another link asks first."""
    current = basket_with_line()
    other = basket_with_line()
    if login:
        ada = login_shopper("ada")
        client.force_login(ada.user)
        current.shop_account = ada
        current.save(update_fields=["shop_account"])
    assert recover(client, current).status_code == 302
    before = state(other)
    shown = recover(client, other, confirm=False)
    assert shown.status_code == 200 and 'class="displaces"' in shown.content.decode()
    assert state(other) == before
    assert client.post(f"/basket/recover/{other.guid}/").status_code == 302
    assert list(ShopperBasket.objects.values_list("basket_id", flat=True)) == [other.pk]


@pytest.mark.django_db
def test_an_anonymous_visitors_first_basket_comes_back_only_on_the_post(client):
    """SPEC: AC-6 RL-1 — even a first basket: the GET shows it, the button recovers it."""
    basket = basket_with_line()
    before = state(basket)
    response = recover(client, basket, confirm=False)
    assert response.status_code == 200 and 'id="confirm-recovery"' in response.content.decode()
    assert state(basket) == before
    done = client.post(f"/basket/recover/{basket.guid}/")
    assert done.status_code == 302 and done["Location"] == "/basket/"
    assert ShopperBasket.objects.get().basket_id == basket.pk


@pytest.mark.django_db
@pytest.mark.parametrize("status", list(Status), ids=[status.value for status in Status])
@pytest.mark.parametrize("visitor", ["anonymous", "other-login"])
def test_a_stranger_gets_the_same_answer_whatever_the_status(client, status, visitor):
    """SPEC: AC-7 RL-3 RL-7 — ownership is decided before status: every basket a visitor
    may not recover answers exactly as an Active one does, and nothing changes."""
    owner = login_shopper("owner")
    if visitor == "other-login":
        client.force_login(login_shopper("stranger").user)
    reference = basket_in_status(Status.ACTIVE, shop_account=owner)
    basket = basket_in_status(status, shop_account=owner)
    before = state(basket)
    expected = recover(client, reference)
    answer = recover(client, basket)
    assert answer.status_code == expected.status_code == 404
    assert answer.content.decode().replace(str(basket.guid), "GUID") == (
        expected.content.decode().replace(str(reference.guid), "GUID")
    )
    assert state(basket) == before
