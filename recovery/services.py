"""Recovering a basket through its link (RL-1 .. RL-6) and opting out of reminders (AB-4).

``basket_recover`` is one short transaction: it takes the shopper's advisory lock (so two
tabs of one shopper never race on the shopper's list), then the basket's lines and the
basket (the fixed order), re-checks status and ownership under those locks, re-prices,
changes the owner when the rules say so, records one ``recover`` event with exactly what
changed, and makes the basket the shopper's current one.
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from basketops.business import business_setting
from baskets.currencies import amount_format
from baskets.exceptions import BasketNotFound
from baskets.models import (
    AccountType,
    Basket,
    EventType,
    Line,
    Product,
    ShopAccount,
    Stage,
    Status,
    TimelineAction,
)
from baskets.models.basket import STAGE_ORDER
from baskets.selectors import guid_parse
from baskets.services.outbox import outbox_record
from baskets.services.purchaser import basket_purchaser, basket_purchaser_fill
from baskets.services.storefront import (
    basket_hold_resume,
    coupon_validate,
    gift_card_validate,
    item_unit_price,
)
from baskets.services.storefront.holds import basket_lock_for_write, basket_reprice, basket_touch
from baskets.services.storefront_errors import HoldEnded, StorefrontInputError
from baskets.services.transitions import event_record

from .exceptions import LoginNeeded, RecoveryRefused
from .links import LinkRecipient
from .models import ReminderOptOut, ShopperBasket, UnsubscribeToken
from .ownership import Decision, recovery_decide
from .shoppers import Shopper

# RL-1: addresses are entered at the Login / register step and recovered only when the
# shopper went on to the next step.
ADDRESS_STAGE = Stage.LOGIN_REGISTER

REFUSED_STATUSES = {
    Status.COMPLETED: ("basket_AlreadyOrdered", 410),
    Status.LOCKED: ("basket_Locked", 409),
    Status.AWAITING_COMPLETION: ("basket_BeingCompleted", 409),
    Status.COMPLETION_FAILED: ("basket_BeingCompleted", 409),
}


@dataclass
class Recovery:
    """What a recovery did; ``notices`` are the shopper-facing messages (RL-2)."""

    basket: Basket
    notices: list[str] = field(default_factory=list)
    took_ownership: bool = False
    # Baskets that stopped being the shopper's current one: replaced or now inactive (RL-6).
    replaced: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount_format(amount, currency)} {currency}"


def _shopper_lock(shopper: Shopper) -> None:
    """Serialise recoveries of one shopper (their list has one current basket)."""
    if shopper.is_known:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [shopper.key])


@dataclass(frozen=True)
class RecoveryPreview:
    """What a POST to the link would do, for the page a GET shows (AC-6)."""

    basket: Basket
    takes: bool
    displaces: bool


def _recovery_check(basket: Basket, shopper: Shopper, link: LinkRecipient | None) -> Decision:
    """Decide whether ``shopper`` may recover ``basket`` now; raises the refusal otherwise.

    AC-7: ownership before status, so a stranger learns nothing about the basket; a guest's
    link mailed to another address than the basket's is not this basket's link."""
    guid = str(basket.guid)
    if link is not None and link.shop_account is None and not link.is_address_of(basket):
        raise BasketNotFound(f"No basket with GUID {guid}.")
    decision = recovery_decide(basket, shopper)
    if not decision.allowed:
        raise LoginNeeded(decision.text_key, guid=guid, basket_id=basket.pk)
    if basket.status == Status.COMPLETED:
        raise RecoveryRefused(
            "basket_AlreadyOrdered", http_status=410, guid=guid, basket_id=basket.pk
        )
    if basket.status != Status.ACTIVE:
        key, status = REFUSED_STATUSES[Status(basket.status)]
        raise RecoveryRefused(key, http_status=status, guid=guid, basket_id=basket.pk)
    return decision


def basket_recovery_preview(
    *, guid: uuid.UUID | str, shopper: Shopper, link: LinkRecipient | None = None
) -> RecoveryPreview:
    """AC-6: whether ``shopper`` may recover the basket and what it would change, reading
    only (a GET of the link); raises what ``basket_recover`` would. Locks nothing."""
    parsed = guid_parse(guid)
    basket = Basket.objects.filter(guid=parsed).first()
    if basket is None:
        raise BasketNotFound(f"No basket with GUID {parsed}.")
    decision = _recovery_check(basket, shopper, link)
    takes = decision.take and shopper.shop_account is not None
    displaces = (
        shopper.is_known
        and ShopperBasket.objects.filter(shopper.entries_q(), deactivated_at__isnull=True)
        .exclude(basket=basket)
        .exists()
    )
    return RecoveryPreview(basket=basket, takes=takes, displaces=displaces)


def basket_recover(
    *,
    guid: uuid.UUID | str,
    shopper: Shopper,
    multiple_baskets: bool | None = None,
    link: LinkRecipient | None = None,
) -> Recovery:
    """Hand the basket with ``guid`` back to ``shopper`` as their current basket, re-priced.

    AC-6: only on the shopper's POST (the page a GET shows is ``basket_recovery_preview``).
    Raises ``InvalidGuid``, ``BasketNotFound``, ``LoginNeeded`` (another login may recover
    it) or ``RecoveryRefused`` (completed, locked, being completed) before writing
    anything. Locks the shopper (advisory), the basket's lines, then the basket.
    """
    parsed = guid_parse(guid)
    if multiple_baskets is None:
        multiple_baskets = business_setting("MULTIPLE_BASKETS")
    with transaction.atomic():
        _shopper_lock(shopper)
        try:
            basket, lines = basket_lock_for_write(parsed, with_lines=True)
        except HoldEnded as error:
            # Deleted by staff: for the shopper, simply not available.
            raise BasketNotFound(f"No basket with GUID {parsed}.") from error
        decision = _recovery_check(basket, shopper, link)

        recovery = Recovery(basket=basket)
        payload: dict[str, Any] = {}
        fields: list[str] = []
        now = timezone.now()
        kept = _lines_reprice(basket, lines, recovery, payload)
        _codes_revalidate(basket, recovery, payload, fields)
        _checkout_details_filter(basket, recovery, payload, fields)
        if basket_hold_resume(basket, actor=shopper.actor):
            # Staff unlocked it: the shopper takes it up again.
            fields.append("hold_ended_at")
            payload["resumed"] = True
        total_before = basket.total
        basket_reprice(basket, kept, actor=shopper.actor)
        if basket.total != total_before:
            payload["total"] = {"from": str(total_before), "to": str(basket.total)}
            recovery.notices.append(
                _("Your basket total changed from %(old)s to %(new)s.")
                % {
                    "old": _money(total_before, basket.currency),
                    "new": _money(basket.total, basket.currency),
                }
            )
        if decision.take and shopper.shop_account is not None:
            _owner_change(basket, shopper, payload, fields)
            recovery.took_ownership = True
        if shopper.is_known:
            _shopper_list_update(basket, shopper, recovery, multiple_baskets, now)
        if recovery.replaced:
            payload["replaced"] = recovery.replaced
        if recovery.deactivated:
            payload["deactivated"] = recovery.deactivated
        if basket.abandoned_at is not None:
            payload["abandoned_at"] = basket.abandoned_at.isoformat()
        basket_touch(basket, "total", *fields)
        event_record(
            basket=basket,
            action=TimelineAction.RECOVER,
            actor=shopper.actor,
            reason="Recovered through the basket link.",
            payload=payload,
            at=now,
        )
        outbox_record(
            event_type=EventType.BASKET_RECOVERED,
            basket=basket,
            payload={
                "total": str(basket.total),
                "currency": basket.currency,
                "recovered_at": now.isoformat(),
            },
            at=now,
        )
    return recovery


def _lines_reprice(
    basket: Basket, lines: list[Line], recovery: Recovery, payload: dict[str, Any]
) -> list[Line]:
    """RL-2: today's prices; lines whose product or variant cannot be sold are removed."""
    names = dict(
        Product.objects.filter(pk__in={line.product_id for line in lines}).values_list(
            "pk", "name"
        )
    )
    kept: list[Line] = []
    removed: list[dict[str, Any]] = []
    repriced: list[dict[str, Any]] = []
    for line in lines:
        label = names.get(line.product_id) or line.product_id
        if line.variant_id:
            label = f"{label} ({line.variant_id})"
        try:
            price = item_unit_price(
                product_id=line.product_id, variant_id=line.variant_id, currency=basket.currency
            )
        except StorefrontInputError as error:
            removed.append(
                {
                    "product_id": line.product_id,
                    "variant_id": line.variant_id,
                    "quantity": line.quantity,
                    "reason": error.code,
                }
            )
            recovery.notices.append(
                _("%(product)s is no longer available and was removed from your basket.")
                % {"product": label}
            )
            line.delete()
            continue
        if price != line.unit_price:
            repriced.append(
                {
                    "product_id": line.product_id,
                    "variant_id": line.variant_id,
                    "from": str(line.unit_price),
                    "to": str(price),
                }
            )
            recovery.notices.append(
                _("The price of %(product)s changed from %(old)s to %(new)s.")
                % {
                    "product": label,
                    "old": _money(line.unit_price, basket.currency),
                    "new": _money(price, basket.currency),
                }
            )
            line.unit_price = price
            line.save(update_fields=["unit_price"])
        kept.append(line)
    if removed:
        payload["removed_lines"] = removed
    if repriced:
        payload["repriced_lines"] = repriced
    return kept


def _codes_revalidate(
    basket: Basket, recovery: Recovery, payload: dict[str, Any], fields: list[str]
) -> None:
    """RL-2: coupon codes and gift cards no longer valid cannot be redeemed: removed."""
    coupons, dropped_coupons = [], []
    for code in basket.coupon_codes:
        try:
            coupon_validate(code)
        except StorefrontInputError:
            dropped_coupons.append(code)
            recovery.notices.append(
                _("The coupon code %(code)s is no longer valid and was removed from your basket.")
                % {"code": code}
            )
        else:
            coupons.append(code)
    cards, dropped_cards = [], []
    for code in basket.gift_card_codes:
        try:
            gift_card_validate(code, currency=basket.currency)
        except StorefrontInputError:
            dropped_cards.append(code)
            recovery.notices.append(
                _("The gift card %(code)s is no longer valid and was removed from your basket.")
                % {"code": code}
            )
        else:
            cards.append(code)
    if dropped_coupons:
        basket.coupon_codes = coupons
        fields.append("coupon_codes")
        payload["removed_coupon_codes"] = dropped_coupons
    if dropped_cards:
        basket.gift_card_codes = cards
        fields.append("gift_card_codes")
        payload["removed_gift_card_codes"] = dropped_cards


def _checkout_details_filter(
    basket: Basket, recovery: Recovery, payload: dict[str, Any], fields: list[str]
) -> None:
    """RL-1: addresses only past the address step (before it they stay stored, withheld
    from the shopper until the step is passed again); the order comment is not recovered."""
    passed_address_step = STAGE_ORDER.index(basket.stage) > STAGE_ORDER.index(ADDRESS_STAGE)
    if not passed_address_step and (basket.payment_address or basket.delivery_address):
        if basket.addresses_withheld_at is None:
            basket.addresses_withheld_at = timezone.now()
            fields.append("addresses_withheld_at")
        payload["addresses_withheld"] = True
        recovery.notices.append(
            _(
                "Addresses entered before the checkout step was finished are not kept; please "
                "enter them again at checkout."
            )
        )
    if basket.order_comment:
        basket.order_comment = ""
        fields.append("order_comment")
        payload["order_comment_cleared"] = True
        recovery.notices.append(_("Your order comment is not kept; please enter it again."))


def _owner_change(
    basket: Basket, shopper: Shopper, payload: dict[str, Any], fields: list[str]
) -> None:
    """RL-4 / RL-5: the recovering login becomes the basket's only owner."""
    account = shopper.shop_account
    payload["owner"] = {
        "from": str(basket.shop_account.guid) if basket.shop_account_id else None,
        "to": str(account.guid),
    }
    basket.shop_account = account
    customer = account.customer_account
    if basket.customer_account_id is None and customer is not None:
        basket.customer_account = customer
        fields.append("customer_account")
    effective = basket.customer_account
    basket.account_type = AccountType.of(
        has_party=True, is_prospect=effective is not None and effective.is_prospect
    )
    fields += ["shop_account", "account_type"]
    if not basket.purchaser_label:
        # The one purchaser rule (a company's login buys as its account), blanks only.
        fields += basket_purchaser_fill(basket, basket_purchaser(basket))


def _shopper_list_update(
    basket: Basket, shopper: Shopper, recovery: Recovery, multiple_baskets: bool, now: datetime
) -> None:
    """RL-6: the basket becomes current; the previous one is dropped from the list or, with
    multiple baskets, stays in it inactive."""
    entries = ShopperBasket.objects.filter(shopper.entries_q())
    others = entries.exclude(basket=basket)
    if multiple_baskets:
        current = others.filter(deactivated_at__isnull=True)
        guids = current.values_list("basket__guid", flat=True)
        recovery.deactivated = [str(guid) for guid in guids]
        current.update(deactivated_at=now)
    else:
        recovery.replaced = [str(guid) for guid in others.values_list("basket__guid", flat=True)]
        others.delete()
    entry = entries.filter(basket=basket).first()
    if entry is None:
        entry = ShopperBasket.objects.create(
            shop_account=shopper.shop_account,
            visitor_token=None if shopper.shop_account is not None else shopper.visitor_token,
            basket=basket,
            added_at=now,
            activated_at=now,
        )
    elif entry.deactivated_at is not None:
        entry.deactivated_at = None
        entry.activated_at = now
        entry.save(update_fields=["deactivated_at", "activated_at"])
    if recovery.took_ownership:
        # Only the new owner keeps it in a list now.
        ShopperBasket.objects.filter(basket=basket).exclude(pk=entry.pk).delete()


UNSUBSCRIBE_TOKEN_BYTES = 32  # 43 URL-safe characters


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom an unsubscribe link stands for: a login (shop account GUID) or a guest's address."""

    shop_account_guid: uuid.UUID | None = None
    email: str = ""


def unsubscribe_token(target: UnsubscribeTarget) -> str:
    """AC-6: the random unsubscribe token of a login or a guest's address, made on first
    use; two callers at once get the same one (a unique column decides). Locks nothing."""
    defaults = {"token": secrets.token_urlsafe(UNSUBSCRIBE_TOKEN_BYTES)}
    if target.shop_account_guid is not None:
        account_id = ShopAccount.objects.filter(guid=target.shop_account_guid).values_list(
            "pk", flat=True
        )
        entry, _ = UnsubscribeToken.objects.get_or_create(
            shop_account_id=account_id.get(), defaults=defaults
        )
    else:
        entry, _ = UnsubscribeToken.objects.get_or_create(
            shop_account=None, email=target.email.lower(), defaults=defaults
        )
    return entry.token


def shop_account_reminders_opt_out(*, shop_account_guid: uuid.UUID) -> bool:
    """AB-4: the shop account receives no reminder e-mail from now on; safe to repeat.

    Returns whether the account exists."""
    updated = ShopAccount.objects.filter(
        guid=shop_account_guid, reminder_opt_out_at__isnull=True
    ).update(reminder_opt_out_at=timezone.now())
    return bool(updated) or ShopAccount.objects.filter(guid=shop_account_guid).exists()


def reminders_opt_out(*, target: UnsubscribeTarget) -> bool:
    """AB-4: the login or address gets no reminder from now on; False for an unknown login."""
    if target.shop_account_guid is not None:
        return shop_account_reminders_opt_out(shop_account_guid=target.shop_account_guid)
    ReminderOptOut.objects.get_or_create(
        email=target.email.lower(), defaults={"opted_out_at": timezone.now()}
    )
    return True
