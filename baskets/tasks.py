"""Baskets' background work: the locked-cart sweep and alert (LC-1, LC-2), purges of expired
coupons, of basket lifetimes and of data past retention, and staff bulk jobs."""

from celery import shared_task

from basketops.celery import TRANSIENT_RETRY as RETRY
from scheduling.services import successor_send

from .services.bulk_jobs import basket_bulk_job_run
from .services.coupons import coupons_expired_purge
from .services.lifetimes import basket_lifetime_run_continue, basket_lifetime_run_start
from .services.locked_cart_sweeps import locked_cart_alert_send, locked_cart_sweep
from .services.retention import retention_purge


@shared_task(bind=True, acks_late=True, **RETRY)
def locked_cart_sweep_task(self, requeues: int = 0) -> int:
    """LC-1: lock baskets whose shopper never came back from payment, re-queued while more."""
    count, has_more = locked_cart_sweep()
    if has_more:
        successor_send(locked_cart_sweep_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def locked_cart_alert_task(self, requeues: int = 0) -> int:
    """Alert staff once per lock about carts Locked longer than LOCKED_CART_ALERT_AFTER."""
    count, has_more = locked_cart_alert_send()
    if has_more:
        successor_send(locked_cart_alert_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def coupons_expired_purge_task(self, requeues: int = 0) -> int:
    """Delete issued single-use coupons past their validity, re-queued while more remain."""
    count, has_more = coupons_expired_purge()
    if has_more:
        successor_send(coupons_expired_purge_task, requeues=requeues)
    return count


@shared_task(bind=True, acks_late=True, **RETRY)
def basket_lifetime_purge_task(self, run_id: int | None = None) -> int:
    """PV-4: delete stale baskets in batches for one budget; re-queued with the same run
    while more remain. Returns how many the run has deleted so far."""
    if run_id is None:
        run = basket_lifetime_run_start()
        if run is None:
            return 0
        run_id = run.pk
    run, has_more = basket_lifetime_run_continue(run_id=run_id)
    if has_more:
        basket_lifetime_purge_task.delay(run_id)
    return run.deleted_total


@shared_task(bind=True, acks_late=True, **RETRY)
def retention_purge_task(self, requeues: int = 0) -> int:
    """Delete timelines of deleted baskets and payment results past their live retention,
    in batches; re-queued while more remain."""
    deleted, has_more = retention_purge()
    if has_more:
        successor_send(retention_purge_task, requeues=requeues)
    return sum(deleted.values())


@shared_task(bind=True, acks_late=True, **RETRY)
def basket_bulk_job_run_task(self, job_id: int) -> int:
    """BM-1: work through a staff bulk job for one budget; re-queued while baskets remain.
    Returns how many the job has done so far."""
    job, has_more = basket_bulk_job_run(job_id=job_id)
    if has_more:
        basket_bulk_job_run_task.delay(job_id)
    return job.done
