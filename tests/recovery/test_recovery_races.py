"""Recoveries racing in PostgreSQL: row locks and the shopper's advisory lock decide."""

import threading

import pytest
from django.db import connection

from baskets.models import AccountType, BasketEvent
from recovery.exceptions import LoginNeeded
from recovery.models import ShopperBasket
from recovery.services import basket_recover
from recovery.shoppers import Shopper
from tests.support.factories import CustomerAccountFactory
from tests.support.recovery import basket_with_line, login_shopper, salesperson_make


def run_together(calls) -> list:
    """Start every call at the same moment, each on its own connection; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(10)
            outcomes[index] = call()
        except LoginNeeded as refusal:
            outcomes[index] = refusal
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_logins_of_the_customer_racing_for_a_salesperson_basket_one_gets_it():
    """SPEC: RL-5 RL-3 — the first login that recovers it owns it; the other is refused."""
    for _ in range(10):
        customer = CustomerAccountFactory()
        seller = salesperson_make(f"sam{customer.pk}", related=[customer], selected=customer)
        basket = basket_with_line(
            salesperson=seller, customer_account=customer, account_type=AccountType.CUSTOMER
        )
        shoppers = [
            Shopper(user=account.user, shop_account=account)
            for account in (
                login_shopper(f"ada{customer.pk}", customer_account=customer),
                login_shopper(f"bob{customer.pk}", customer_account=customer),
            )
        ]
        outcomes = run_together(
            [lambda s=s, g=basket.guid: basket_recover(guid=g, shopper=s) for s in shoppers]
        )
        winners = [i for i, outcome in enumerate(outcomes) if not isinstance(outcome, LoginNeeded)]
        assert len(winners) == 1, outcomes
        assert isinstance(outcomes[1 - winners[0]], LoginNeeded)
        basket.refresh_from_db()
        assert basket.shop_account_id == shoppers[winners[0]].shop_account.pk
        assert BasketEvent.objects.filter(basket=basket, action="recover").count() == 1
        assert list(ShopperBasket.objects.filter(basket=basket).values_list(
            "shop_account_id", flat=True
        )) == [shoppers[winners[0]].shop_account.pk]


@pytest.mark.django_db(transaction=True)
def test_one_shopper_recovering_two_baskets_at_once_keeps_one_current_basket(
    settings
):
    """SPEC: RL-6 — two tabs at once: no error, exactly one current basket."""
    settings.MULTIPLE_BASKETS = False
    account = login_shopper("ada")
    shopper = Shopper(user=account.user, shop_account=account)
    for _ in range(10):
        first, second = basket_with_line(), basket_with_line()
        outcomes = run_together(
            [lambda b=b: basket_recover(guid=b.guid, shopper=shopper) for b in (first, second)]
        )
        assert all(outcome.basket.shop_account_id == account.pk for outcome in outcomes)
        current = ShopperBasket.objects.filter(shop_account=account)
        assert current.count() == 1
        assert current.get().deactivated_at is None
