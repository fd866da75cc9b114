"""BM-1: staff bulk work as a background job: the request records the job and returns; a
worker goes through the selection in batches, counting done and refused baskets, so the
job's page shows its progress and keeps its result."""

import time
from datetime import timedelta

from celery import signature
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..exceptions import BulkJobOverlap
from ..locks import ids_array
from ..models import BasketBulkJob, BulkJobAction, BulkJobStatus
from .actors import Actor
from .staff import baskets_delete

RUN_TASK = "baskets.tasks.basket_bulk_job_run_task"
BATCH_SIZE = 500
# A run stops after this long and re-queues itself.
RUN_BUDGET = timedelta(seconds=50)


def basket_bulk_job_start(
    *, action: BulkJobAction, basket_ids: list[int], actor: Actor, reason: str = ""
) -> BasketBulkJob:
    """Record a job over ``basket_ids`` and queue it on commit. Refuses (BulkJobOverlap)
    while an unfinished job holds any of the same baskets; one starter at a time."""
    ids = sorted(set(basket_ids))
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Serialises starters, so two overlapping jobs never both pass the check.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('basket_bulk_job_start'))")
            table = BasketBulkJob._meta.db_table
            # Raw SQL with one array literal: tens of thousands of ids bind as one string.
            cursor.execute(
                f"SELECT id FROM {table} WHERE status <> %s AND basket_ids && %s::bigint[] LIMIT 1",  # noqa: S608 - model metadata
                [BulkJobStatus.DONE, ids_array(ids)],
            )
            clash_row = cursor.fetchone()
            if clash_row is not None:
                clash = BasketBulkJob.objects.defer("basket_ids").get(pk=clash_row[0])
                raise BulkJobOverlap(
                    f"Another job ({clash.get_action_display().lower()} #{clash.pk}, "
                    f"{clash.processed} of {clash.total} done) is still working on some of these "
                    "baskets; try again when it has finished."
                )
            job = BasketBulkJob.objects.create(
                action=action,
                basket_ids=[],
                reason=reason,
                actor=actor.user,
                actor_label=actor.label[:150],
                total=len(ids),
                created_at=now,
                updated_at=now,
            )
            cursor.execute(
                f"UPDATE {table} SET basket_ids = %s::bigint[] WHERE id = %s",  # noqa: S608 - model metadata
                [ids_array(ids), job.pk],
            )
        transaction.on_commit(signature(RUN_TASK, args=(job.pk,)).delay)
    return job


def _batch_ids(job: BasketBulkJob, batch_size: int) -> list[int]:
    """The next ``batch_size`` ids of the job's selection (sliced in SQL, not loaded)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT basket_ids[%s:%s] FROM {BasketBulkJob._meta.db_table} WHERE id = %s",  # noqa: S608 - model metadata
            [job.processed + 1, job.processed + batch_size, job.pk],
        )
        return list(cursor.fetchone()[0] or [])


def basket_bulk_job_run(
    *, job_id: int, budget: timedelta = RUN_BUDGET, batch_size: int = BATCH_SIZE
) -> tuple[BasketBulkJob, bool]:
    """Work through the job's baskets batch by batch for up to ``budget``; each batch and
    its counts commit together. Returns the job and whether baskets remain."""
    deadline = time.monotonic() + budget.total_seconds()
    job = BasketBulkJob.objects.defer("basket_ids").get(pk=job_id)
    actor = Actor.staff(job.actor) if job.actor is not None else Actor(label=job.actor_label)
    while job.processed < job.total:
        with transaction.atomic():
            job = BasketBulkJob.objects.select_for_update().defer("basket_ids").get(pk=job_id)
            batch = _batch_ids(job, batch_size)
            if not batch:
                break
            deleted, refused = baskets_delete(basket_ids=batch, actor=actor, reason=job.reason)
            BasketBulkJob.objects.filter(pk=job.pk).update(
                status=BulkJobStatus.RUNNING,
                processed=F("processed") + len(batch),
                done=F("done") + deleted,
                refusals=job.refusals + [{"guid": guid, "reason": why} for guid, why in refused],
                updated_at=timezone.now(),
            )
        job.refresh_from_db()
        if time.monotonic() >= deadline:
            break
    if job.processed >= job.total and job.status != BulkJobStatus.DONE:
        BasketBulkJob.objects.filter(pk=job.pk).update(
            status=BulkJobStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
        job.refresh_from_db()
    return job, job.status != BulkJobStatus.DONE
