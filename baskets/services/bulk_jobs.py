"""BM-1: staff bulk work as a background job: the request records the job and returns; a
worker goes through the selection in batches, counting done, unchanged and refused baskets,
so the job's page shows its progress and keeps its result.

Every kind of bulk action is registered here once (``bulk_action_register``): its title,
its verb and the per-basket service call; the admin runs a small selection inline with the
same call, a larger one as a job. Apps that build on baskets register their own kinds when
they are ready (``completion.apps``)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import signature
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exceptions import BasketError, BulkJobOverlap
from ..locks import ids_array
from ..models import Basket, BasketBulkJob, BulkJobAction, BulkJobStatus
from .actors import Actor
from .locked_carts import locked_cart_confirm, locked_cart_delete, locked_cart_unlock
from .staff import (
    basket_complete_manage_booking,
    basket_delete,
    basket_flag_additional_information,
    baskets_delete,
)

RUN_TASK = "baskets.tasks.basket_bulk_job_run_task"
BATCH_SIZE = 500
# Actions that take one basket at a time hold each batch's row locks longer: smaller batches.
EACH_BATCH_SIZE = 100
# A run stops after this long and re-queues itself.
RUN_BUDGET = timedelta(seconds=50)


# refused: [(guid, why), ...]
BatchOutcome = tuple[int, int, list[tuple[str, str]]]


@dataclass(frozen=True)
class BulkAction:
    """A kind of bulk action. ``call(basket_id=, actor=, reason=)`` changes one basket,
    returns False when it was already in the wanted state and raises BasketError to refuse
    it; ``batch(basket_ids=, actor=, reason=)`` (optional) does a whole batch at once and
    returns (done, unchanged, refused)."""

    kind: str
    label: str
    verb: str
    call: Callable[..., object]
    batch: Callable[..., BatchOutcome] | None = None
    batch_size: int = EACH_BATCH_SIZE


_ACTIONS: dict[str, BulkAction] = {}


def bulk_action_register(action: BulkAction) -> None:
    _ACTIONS[action.kind] = action


def bulk_action(kind: str) -> BulkAction:
    return _ACTIONS[kind]


def bulk_action_each(
    action: BulkAction, *, basket_ids: list[int], actor: Actor, reason: str
) -> BatchOutcome:
    """Call the action for each basket, in id order, each in its own savepoint so a refusal
    leaves nothing half done; counts done and unchanged, and each refusal with its reason.
    Refusal texts read as the batch delete's do (``baskets_delete``)."""
    guids = dict(Basket.objects.filter(pk__in=basket_ids).values_list("pk", "guid"))
    done = unchanged = 0
    refused: list[tuple[str, str]] = []
    for basket_id in sorted(basket_ids):
        if basket_id not in guids:
            refused.append((str(basket_id), _("the basket no longer exists.")))
            continue
        try:
            with transaction.atomic():
                changed = action.call(basket_id=basket_id, actor=actor, reason=reason)
        except BasketError as error:
            refused.append((str(guids[basket_id]), error.message))
            continue
        if changed is False:
            unchanged += 1
        else:
            done += 1
    return done, unchanged, refused


def _delete_batch(*, basket_ids: list[int], actor: Actor, reason: str) -> BatchOutcome:
    deleted, refused = baskets_delete(basket_ids=basket_ids, actor=actor, reason=reason)
    return deleted, 0, refused


def _delete_one(*, basket_id: int, actor: Actor, reason: str) -> bool:
    basket_delete(basket_id=basket_id, actor=actor, reason=reason)
    return True


for _action in (
    BulkAction(
        BulkJobAction.DELETE, BulkJobAction.DELETE.label, gettext_lazy("Deleted"), _delete_one,
        batch=_delete_batch, batch_size=BATCH_SIZE,
    ),
    BulkAction(
        BulkJobAction.COMPLETE_MANAGE_BOOKING,
        BulkJobAction.COMPLETE_MANAGE_BOOKING.label,
        gettext_lazy("Manage booking step completed"),
        lambda *, basket_id, actor, reason: basket_complete_manage_booking(
            basket_id=basket_id, actor=actor
        )[1],
    ),
    BulkAction(
        BulkJobAction.FLAG_ADDITIONAL_INFORMATION,
        BulkJobAction.FLAG_ADDITIONAL_INFORMATION.label,
        gettext_lazy("Flagged additional information supplied"),
        lambda *, basket_id, actor, reason: basket_flag_additional_information(
            basket_id=basket_id, actor=actor, reason=reason
        )[1],
    ),
    BulkAction(
        BulkJobAction.LOCKED_CART_CONFIRM, BulkJobAction.LOCKED_CART_CONFIRM.label,
        gettext_lazy("Confirmed as paid"), locked_cart_confirm,
    ),
    BulkAction(
        BulkJobAction.LOCKED_CART_UNLOCK, BulkJobAction.LOCKED_CART_UNLOCK.label,
        gettext_lazy("Unlocked"), locked_cart_unlock,
    ),
    BulkAction(
        BulkJobAction.LOCKED_CART_DELETE, BulkJobAction.LOCKED_CART_DELETE.label,
        gettext_lazy("Deleted"), locked_cart_delete,
    ),
):  # fmt: skip
    bulk_action_register(_action)


def bulk_job_label(job: BasketBulkJob) -> str:
    """The job's title in the active language (the record keeps it in English)."""
    kind = _ACTIONS.get(job.action)
    return str(kind.label) if kind is not None else job.label


def bulk_job_verb(job: BasketBulkJob) -> str:
    """What "done" means for the job, in the active language."""
    kind = _ACTIONS.get(job.action)
    return str(kind.verb) if kind is not None else job.verb


def bulk_job_overlap_refuse(basket_ids: list[int]) -> None:
    """Raise BulkJobOverlap, saying which job, when an unfinished job holds any of
    ``basket_ids``: staff act on those baskets again once it has finished."""
    with connection.cursor() as cursor:
        # Raw SQL with one array literal: tens of thousands of ids bind as one string.
        cursor.execute(
            f"SELECT id FROM {BasketBulkJob._meta.db_table} "  # noqa: S608 - model metadata
            "WHERE status <> %s AND basket_ids && %s::bigint[] LIMIT 1",
            [BulkJobStatus.DONE, ids_array(sorted(set(basket_ids)))],
        )
        clash_row = cursor.fetchone()
    if clash_row is not None:
        clash = BasketBulkJob.objects.defer("basket_ids").get(pk=clash_row[0])
        # English names the job in lower case inside the sentence; the other languages
        # quote its title as it is (German nouns keep their capitals).
        title = bulk_job_label(clash)
        english = (translation.get_language() or "en").startswith("en")
        raise BulkJobOverlap(
            _(
                "Another job (%(action)s #%(job)s, %(processed)s of %(total)s done) is still "
                "working on some of these baskets; try again when it has finished."
            )
            % {
                "action": title.lower() if english else title,
                "job": clash.pk,
                "processed": clash.processed,
                "total": clash.total,
            }
        )


def basket_bulk_job_start(
    *, action: str, basket_ids: list[int], actor: Actor, reason: str = "", back_url: str = ""
) -> BasketBulkJob:
    """Record a job over ``basket_ids`` and queue it on commit. Refuses (BulkJobOverlap)
    while an unfinished job holds any of the same baskets; one starter at a time."""
    kind = bulk_action(action)
    ids = sorted(set(basket_ids))
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Serialises starters, so two overlapping jobs never both pass the check.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('basket_bulk_job_start'))")
            bulk_job_overlap_refuse(ids)
            table = BasketBulkJob._meta.db_table
            # The record keeps the English title and verb; pages show them in the staff
            # member's language (``bulk_job_label``).
            with translation.override("en"):
                label, verb = str(kind.label), str(kind.verb)
            job = BasketBulkJob.objects.create(
                action=kind.kind,
                label=label,
                verb=verb,
                back_url=back_url[:1000],
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
    *, job_id: int, budget: timedelta = RUN_BUDGET, batch_size: int | None = None
) -> tuple[BasketBulkJob, bool]:
    """Work through the job's baskets batch by batch for up to ``budget``; each batch and
    its counts commit together. Returns the job and whether baskets remain."""
    deadline = time.monotonic() + budget.total_seconds()
    job = BasketBulkJob.objects.defer("basket_ids").get(pk=job_id)
    actor = Actor.staff(job.actor) if job.actor is not None else Actor(label=job.actor_label)
    kind = bulk_action(job.action)
    batch_size = batch_size or kind.batch_size
    while job.processed < job.total:
        with transaction.atomic():
            job = BasketBulkJob.objects.select_for_update().defer("basket_ids").get(pk=job_id)
            batch = _batch_ids(job, batch_size)
            if not batch:
                break
            if kind.batch is not None:
                done, unchanged, refused = kind.batch(
                    basket_ids=batch, actor=actor, reason=job.reason
                )
            else:
                done, unchanged, refused = bulk_action_each(
                    kind, basket_ids=batch, actor=actor, reason=job.reason
                )
            BasketBulkJob.objects.filter(pk=job.pk).update(
                status=BulkJobStatus.RUNNING,
                processed=F("processed") + len(batch),
                done=F("done") + done,
                unchanged=F("unchanged") + unchanged,
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
