"""Thin Celery tasks of the payment providers (SH-4)."""

from celery import shared_task

from basketops.celery import TRANSIENT_RETRY as RETRY

from .services import locked_carts_check


@shared_task(acks_late=True, **RETRY)
def locked_carts_check_task() -> int:
    """Ask the provider about every locked cart with a payment reference (periodic)."""
    return locked_carts_check()
