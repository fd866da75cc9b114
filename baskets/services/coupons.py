"""Coupons issued to one recipient (a reminder's incentive): unique single-use codes with a
percentage or an amount off, valid for a while, purged once expired."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Coupon

# Unambiguous characters (no 0/O, 1/I/L): a code read out on the phone is typed right.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
PURGE_BATCH = 1_000


def coupon_issue(
    *,
    email: str,
    valid_for: timedelta,
    percent_off: Decimal | None = None,
    amount_off: Decimal | None = None,
    currency: str = "",
    prefix: str = "BACK",
    now: datetime | None = None,
) -> Coupon:
    """A new unique single-use code for ``email``: ``percent_off`` or ``amount_off`` (in
    ``currency``), valid from ``now`` for ``valid_for``."""
    if (percent_off is None) == (amount_off is None):
        raise ValueError("A coupon takes either a percentage or an amount off.")
    now = now or timezone.now()
    for _attempt in range(5):
        code = f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                return Coupon.objects.create(
                    code=code,
                    percent_off=percent_off,
                    amount_off=amount_off,
                    currency=currency if amount_off is not None else "",
                    valid_from=now,
                    valid_until=now + valid_for,
                    single_use=True,
                    issued_to=email.strip().lower(),
                    issued_at=now,
                )
        except IntegrityError:
            continue  # the code exists already (31^10 codes: practically never)
    raise RuntimeError("No free coupon code after 5 attempts.")


def coupon_withdraw(*, code: str) -> None:
    """An issued code whose mail never went out is deleted (unless a basket holds it)."""
    Coupon.objects.filter(pk=code, issued_at__isnull=False, held_by__isnull=True).delete()


def coupons_expired_purge(
    *, now: datetime | None = None, batch_size: int = PURGE_BATCH
) -> tuple[int, bool]:
    """Issued codes past their validity are deleted, a batch at a time; a basket that
    listed one keeps the code text, which then takes nothing off."""
    now = now or timezone.now()
    codes = list(
        Coupon.objects.filter(issued_at__isnull=False, valid_until__lt=now)
        .order_by("valid_until", "code")
        .values_list("code", flat=True)[:batch_size]
    )
    Coupon.objects.filter(pk__in=codes).delete()
    return len(codes), len(codes) == batch_size
