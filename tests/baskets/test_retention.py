"""Retention of timelines of deleted baskets and payment results (SPEC PV-4): live periods,
set-based batches, 0 keeps."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from constance import config

from baskets.models import BasketEvent, PaymentResult, TimelineAction
from baskets.services.retention import retention_purge
from tests.support.factories import BasketFactory

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
# Every rule of the retention job, nothing deleted.
KEPT = dict.fromkeys(("timeline", "payment_results", "outbox_events", "webhook_attempts"), 0)


def _event(basket, guid, at) -> BasketEvent:
    return BasketEvent.objects.create(
        basket=basket, basket_guid=guid, action=TimelineAction.DELETE, actor_label="staff:rita",
        created_at=at,
    )  # fmt: skip


def _result(at) -> PaymentResult:
    return PaymentResult.objects.create(
        basket_guid=uuid.uuid4(), result="paid", outcome="reconciliation", response_status=409,
        created_at=at,
    )  # fmt: skip


@pytest.mark.django_db
def test_expired_records_go_in_batches_and_the_rest_stays(settings):
    """SPEC: PV-4 — past their retention, timelines of deleted baskets and payment results
    are deleted (batch by batch); a live basket's timeline and newer rows stay."""
    settings.TIMELINE_RETENTION_DAYS = 30
    settings.PAYMENT_RESULT_RETENTION_DAYS = 60
    settings.OUTBOX_RETENTION_DAYS = settings.WEBHOOK_ATTEMPT_RETENTION_DAYS = 0
    live = BasketFactory()
    old_deleted = [_event(None, uuid.uuid4(), START) for _ in range(5)]
    kept = [
        _event(live, live.guid, START),  # the basket still exists
        _event(None, uuid.uuid4(), START + timedelta(days=40)),  # too young
    ]
    old_results = [_result(START) for _ in range(3)]
    young_result = _result(START + timedelta(days=40))

    with time_machine.travel(START + timedelta(days=61), tick=False):
        deleted, has_more = retention_purge(batch_size=2, max_batches=2)
        # a backlog larger than the batches allowed is left for the next run
        assert (deleted, has_more) == ({**KEPT, "timeline": 4, "payment_results": 3}, True)
        deleted, has_more = retention_purge(batch_size=2, max_batches=2)
        assert (deleted, has_more) == ({**KEPT, "timeline": 1, "payment_results": 0}, False)

    assert set(BasketEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert list(PaymentResult.objects.values_list("pk", flat=True)) == [young_result.pk]
    assert not {e.pk for e in old_deleted} & set(BasketEvent.objects.values_list("pk", flat=True))
    assert not PaymentResult.objects.filter(pk__in=[r.pk for r in old_results]).exists()


@pytest.mark.django_db
def test_zero_keeps_forever_and_the_live_setting_decides(settings):
    """SPEC: PV-4 — 0 keeps the records; a period saved in the admin wins over the
    environment's."""
    settings.TIMELINE_RETENTION_DAYS = 0
    settings.PAYMENT_RESULT_RETENTION_DAYS = 0
    settings.OUTBOX_RETENTION_DAYS = settings.WEBHOOK_ATTEMPT_RETENTION_DAYS = 0
    event = _event(None, uuid.uuid4(), START)
    _result(START)
    with time_machine.travel(START + timedelta(days=3650), tick=False):
        assert retention_purge() == (KEPT, False)
        config.PAYMENT_RESULT_RETENTION_DAYS = 10
        assert retention_purge() == ({**KEPT, "payment_results": 1}, False)
    assert list(BasketEvent.objects.values_list("pk", flat=True)) == [event.pk]
