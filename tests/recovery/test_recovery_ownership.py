"""Who may recover which basket: logins, anonymous shoppers, salespersons (RL-3 .. RL-5)."""

import pytest
from django.conf import settings

from baskets.models import AccountType, BasketEvent, PurchaserType
from recovery.links import recovery_link_url
from recovery.models import ShopperBasket
from tests.support.factories import CustomerAccountFactory
from tests.support.recovery import (
    PASSWORD,
    basket_with_line,
    login_shopper,
    recover,
    salesperson_make,
)


def not_available(response) -> bool:
    """SH-3 AC-7: the answer an unknown GUID gets, offering the shop's login."""
    return (
        response.status_code == 404
        and response.context["key"] == "basket_NotAvailable"
        and 'id="shop-login"' in response.content.decode()
    )


def assert_unchanged(basket, owner_id):
    basket.refresh_from_db()
    assert basket.shop_account_id == owner_id
    assert not BasketEvent.objects.filter(basket=basket, action="recover").exists()
    assert not ShopperBasket.objects.filter(basket=basket).exists()


@pytest.mark.django_db
def test_a_login_basket_answers_others_as_unknown_and_its_owner_gets_it_from_the_mail(client):
    """SPEC: RL-3 SH-3 AC-7 — an anonymous visitor with the GUID alone gets the unknown-GUID
    answer (with the shop's login); the owner's mailed link brings it back, no password."""
    owner = login_shopper("ada")
    basket = basket_with_line(customer=True, shop_account=owner)

    assert not_available(recover(client, basket))
    assert_unchanged(basket, owner.pk)

    link = recovery_link_url(basket, owner).removeprefix(settings.SHOP_BASE_URL)
    shown = client.get(link)
    assert shown.status_code == 200 and 'id="confirm-recovery"' in shown.content.decode()
    done = client.post(link)
    assert done.status_code == 302 and done["Location"] == "/basket/"
    page = client.get("/basket/")
    assert f'data-guid="{basket.guid}"' in page.content.decode()
    assert ShopperBasket.objects.get().shop_account_id == owner.pk
    # Signed in now: the GUID alone opens it in this browser.
    assert recover(client, basket, confirm=False).status_code == 200


@pytest.mark.django_db
def test_an_unsafe_next_after_login_goes_to_the_basket_page_not_elsewhere(client):
    """SPEC: RL-3 — the login page only follows a next on this site."""
    login_shopper("ada")
    response = client.post(
        "/accounts/login/",
        {"username": "ada", "password": PASSWORD, "next": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/basket/"


@pytest.mark.django_db
def test_logins_of_the_same_customer_cannot_take_each_others_baskets(client):
    """SPEC: RL-3 AC-7 — another login of the same customer gets the unknown-GUID answer."""
    owner = login_shopper("ada")
    colleague = login_shopper("bob", customer_account=owner.customer_account)
    basket = basket_with_line(customer=True, shop_account=owner)
    client.force_login(colleague.user)

    response = recover(client, basket)

    assert not_available(response)
    assert_unchanged(basket, owner.pk)


@pytest.mark.django_db
def test_an_anonymous_basket_recovered_by_a_login_becomes_theirs(client):
    """SPEC: RL-4 — and from then on only that login can recover it."""
    basket = basket_with_line()
    ada = login_shopper("ada")
    client.force_login(ada.user)

    response = recover(client, basket)

    assert response.status_code == 302
    basket.refresh_from_db()
    assert basket.shop_account_id == ada.pk
    assert basket.customer_account_id == ada.customer_account_id
    assert basket.account_type == AccountType.CUSTOMER
    # Ada's login belongs to a company account: she buys as that account (CB-1).
    assert (basket.purchaser_label, basket.purchaser_type) == ("Ada", PurchaserType.ACCOUNT)
    event = BasketEvent.objects.get(basket=basket, action="recover")
    assert event.payload["owner"] == {"from": None, "to": str(ada.guid)}
    assert event.actor_label == "shopper:ada"

    client.logout()
    assert not_available(recover(client, basket))
    assert BasketEvent.objects.filter(basket=basket, action="recover").count() == 1


@pytest.mark.django_db
def test_taking_a_basket_removes_it_from_the_anonymous_shoppers_list(client, django_user_model):
    """SPEC: RL-4 RL-6 — once a login owns it, an anonymous session no longer shows it."""
    from django.test import Client

    basket = basket_with_line()
    visitor = Client()
    recover(visitor, basket)
    assert ShopperBasket.objects.filter(visitor_token__isnull=False).count() == 1
    ada = login_shopper("ada")
    client.force_login(ada.user)
    recover(client, basket)
    assert list(ShopperBasket.objects.values_list("shop_account_id", flat=True)) == [ada.pk]
    assert "You have no basket yet." in visitor.get("/basket/").content.decode()


@pytest.mark.django_db
def test_a_salesperson_recovers_baskets_of_logins_of_the_selected_related_customer(client):
    """SPEC: RL-5 — only while that customer is related and currently selected; the basket
    stays the login's."""
    customer, other = CustomerAccountFactory(), CustomerAccountFactory()
    owner = login_shopper("ada", customer_account=customer)
    basket = basket_with_line(customer=True, shop_account=owner)
    seller = salesperson_make("sam", related=[customer, other], selected=customer)
    client.force_login(seller.shop_account.user)

    assert recover(client, basket).status_code == 302
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert basket.shop_account_id == owner.pk

    seller.selected_customer = other
    seller.save()
    second = basket_with_line(customer=True, shop_account=owner)
    assert not_available(recover(client, second))
    assert_unchanged(second, owner.pk)

    unrelated = salesperson_make("tim", related=[], selected=customer)
    client.force_login(unrelated.shop_account.user)
    assert not_available(recover(client, second))
    assert_unchanged(second, owner.pk)


@pytest.mark.django_db
def test_a_salespersons_own_basket_is_only_for_that_salesperson_among_salespersons(client):
    """SPEC: RL-5 — made with no customer selected: the salesperson and any customer (login
    or not) may recover it; another salesperson may not. A login who recovers it owns it."""
    sam = salesperson_make("sam")
    tim = salesperson_make("tim")
    basket = basket_with_line(salesperson=sam, account_type=AccountType.CUSTOMER)

    client.force_login(tim.shop_account.user)
    assert not_available(recover(client, basket))
    assert_unchanged(basket, None)

    client.force_login(sam.shop_account.user)
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert (basket.shop_account_id, basket.salesperson_id) == (None, sam.pk)

    client.logout()
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert basket.shop_account_id is None

    stranger = login_shopper("zoe")
    client.force_login(stranger.user)
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert basket.shop_account_id == stranger.pk


@pytest.mark.django_db
def test_a_basket_made_for_a_selected_customer_goes_to_the_first_login_that_recovers_it(client):
    """SPEC: RL-5 — any login of that customer may recover it, then it is that login's only;
    other customers' logins and anonymous visitors get the unknown-GUID answer."""
    customer = CustomerAccountFactory()
    sam = salesperson_make("sam", related=[customer], selected=customer)
    basket = basket_with_line(
        salesperson=sam, customer_account=customer, account_type=AccountType.CUSTOMER
    )
    ada = login_shopper("ada", customer_account=customer)
    bob = login_shopper("bob", customer_account=customer)
    outsider = login_shopper("olga")

    assert not_available(recover(client, basket))
    client.force_login(outsider.user)
    assert not_available(recover(client, basket))
    assert_unchanged(basket, None)

    client.force_login(ada.user)
    assert recover(client, basket)["Location"] == "/basket/"
    basket.refresh_from_db()
    assert (basket.shop_account_id, basket.customer_account_id) == (ada.pk, customer.pk)
    assert basket.salesperson_id == sam.pk

    client.force_login(bob.user)
    assert not_available(recover(client, basket))
    basket.refresh_from_db()
    assert basket.shop_account_id == ada.pk
