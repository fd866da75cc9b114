from decimal import Decimal

import pytest

from baskets.models import Basket, Stage
from tests.support.factories import BasketFactory, LineFactory


@pytest.fixture
def at_payment():
    """A basket at the Payment stage with its payment started, for 39.80 EUR."""

    def make(**kwargs) -> Basket:
        basket = BasketFactory(
            stage=Stage.PAYMENT, total=Decimal("39.80"), currency="EUR", **kwargs
        )
        LineFactory(basket=basket, quantity=2)
        Basket.objects.filter(pk=basket.pk).update(payment_started_at=basket.created_at)
        basket.refresh_from_db()
        return basket

    return make
