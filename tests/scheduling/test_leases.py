"""Leases renewed while their worker lives (SC-3)."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from baskets.models import Basket
from completion.services import completion_claim
from completion.services.engine import completion_lease_renew
from scheduling.leases import lease_kept
from tests.support.completion import paid_basket
from tests.support.workers import wait_until


def test_the_defaults_free_a_dead_workers_work_within_90_seconds():
    """SPEC: SC-3 — a lease of 60 s, then the next periodic run takes the work."""
    assert django_settings.COMPLETION_LEASE == timedelta(seconds=60)
    assert django_settings.WEBHOOK_LEASE == timedelta(seconds=60)
    bound = timedelta(seconds=90)
    assert django_settings.COMPLETION_LEASE + django_settings.COMPLETION_INTERVAL < bound
    assert django_settings.WEBHOOK_LEASE + django_settings.WEBHOOK_DISPATCH_INTERVAL < bound


@pytest.mark.django_db(transaction=True)
def test_a_held_lease_is_renewed_until_the_block_ends(settings):
    """SPEC: SC-3 — the keeper thread renews the claimed baskets' lease every third of it,
    on its own connection, and stops with the block."""
    settings.COMPLETION_LEASE = timedelta(seconds=0.6)
    basket = paid_basket(course=False)
    claimed, _ = completion_claim(run_started_at=timezone.now(), batch_size=10)
    assert claimed == [basket.pk]
    claimed_until = Basket.objects.get(pk=basket.pk).completion_lease_until

    def lease_until():
        return Basket.objects.get(pk=basket.pk).completion_lease_until

    with lease_kept(
        lambda: completion_lease_renew(basket_ids=claimed),
        lease=settings.COMPLETION_LEASE,
        what="test",
    ):
        wait_until(lambda: lease_until() > claimed_until, timeout=10, poll=0.05)
        renewed = lease_until()
        wait_until(lambda: lease_until() > renewed, timeout=10, poll=0.05)
    last = lease_until()
    # Stopped: one more third of the lease passes with no renewal.
    wait_until(lambda: timezone.now() > last, timeout=10, poll=0.05)
    assert lease_until() == last
