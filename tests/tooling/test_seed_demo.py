"""seed_demo: demo data in every status and account type, consistent with the rules."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from abandonment.models import Abandonment
from abandonment.selectors import abandonment_daily
from abandonment.services.capture import abandonment_sweep
from abandonment.services.reports import abandon_report_build, abandon_report_request
from baskets.models import AccountType, Basket, BasketEvent, Order, Status, TimelineAction
from baskets.services.actors import Actor
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


@pytest.mark.django_db(transaction=True)
def test_a_fresh_demo_looks_like_a_shop_over_the_last_90_days():
    """Activity, abandonments, recoveries and orders every day, each basket with its
    timeline; the abandonment rate is under 100 % on every day of the last 30, and a week's
    abandon report has rows."""
    result = run_manage("seed_demo", "--baskets", "1800", "--seed", "7")
    assert result.returncode == 0, result.stderr

    today = timezone.localdate()
    days = abandonment_daily(today - timedelta(days=29), today)
    assert len(days) == 30
    assert all(day.abandonment_rate < 1 for day in days), [
        (day.day, day.baskets, day.abandoned) for day in days if day.abandonment_rate >= 1
    ]
    past = [day for day in days if day.day < today]
    assert all(day.baskets > 0 and day.abandoned > 0 for day in past)
    assert sum(day.recovered for day in days) > 0 and sum(day.recovered_revenue for day in days)
    # Spread over 90 days, not piled on one.
    created = Basket.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (today - timezone.localdate(created["first"])).days == 89
    assert Order.objects.filter(created_at__lt=timezone.now() - timedelta(days=60)).exists()
    # Every basket has its timeline, starting with its creation.
    assert not Basket.objects.exclude(
        pk__in=BasketEvent.objects.filter(action=TimelineAction.CREATE).values("basket")
    ).exists()
    assert BasketEvent.objects.filter(action=TimelineAction.RECOVER).exists()
    assert BasketEvent.objects.filter(action=TimelineAction.REMINDER_SENT).exists()
    # Nothing left for the first sweep to pile onto today.
    before = Abandonment.objects.count()
    abandonment_sweep(now=timezone.now() - timedelta(minutes=1))
    assert Abandonment.objects.count() == before

    report = abandon_report_request(
        actor=Actor.system("test"), date_from=today - timedelta(days=7), date_to=today
    )
    assert abandon_report_build(report_id=report.pk).rows_written > 0
