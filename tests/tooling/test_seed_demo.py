"""seed_demo: demo data in every status and account type, consistent with the rules."""

import pytest
from django.db.models import Count

from baskets.models import AccountType, Basket, BasketEvent, Order, Status
from tests.support.processes import run_manage


@pytest.mark.django_db(transaction=True)
def test_seed_demo_loads_every_status_and_account_type():
    """SPEC: CB-1 CB-3 CB-7"""
    result = run_manage("seed_demo", "--baskets", "3000", "--chunk-size", "1000")
    assert result.returncode == 0, result.stderr
    assert "Loaded 3,000 baskets" in result.stdout
    assert "3000/3000" in result.stderr  # the progress bar

    statuses = dict(Basket.objects.values_list("status").annotate(Count("id")))
    assert set(statuses) == set(Status.values) and sum(statuses.values()) == 3000
    assert set(Basket.objects.values_list("account_type", flat=True)) == set(AccountType.values)
    # Every completed basket has exactly its one order; nothing else has one.
    assert Order.objects.count() == statuses[Status.COMPLETED]
    assert not Order.objects.exclude(basket__status=Status.COMPLETED).exists()
    # Each non-active basket's timeline ends in its status.
    for basket in Basket.objects.exclude(status=Status.ACTIVE).order_by("?")[:50]:
        last = BasketEvent.objects.filter(basket=basket).order_by("created_at", "id").last()
        assert last.to_status == basket.status
    # Some anonymous baskets never passed login (blank purchaser), as CB-7 describes.
    assert Basket.objects.filter(
        status=Status.ACTIVE, account_type=AccountType.ANONYMOUS, purchaser_label=""
    ).exists()
    # Ids continue after a second load (sequences were moved past explicit ids).
    again = run_manage("seed_demo", "--baskets", "10")
    assert again.returncode == 0, again.stderr
    assert Basket.objects.count() == 3010


def test_seed_demo_refuses_a_bad_count():
    result = run_manage("seed_demo", "--baskets", "0")
    assert result.returncode != 0
    assert "--baskets must be at least 1" in result.stderr
