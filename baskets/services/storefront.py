"""Storefront writes (API-2): create a basket, change its contents, move its checkout.

Every write locks the basket (lines first when lines change), checks that the basket is
Active and that the storefront still holds it (LC-4), changes it, re-prices it and
records the activity time the abandonment and lock sweeps read. A refusal raises a
``BasketError`` before anything is written.
"""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..exceptions import BasketNotEditable, BasketNotFound
from ..locks import basket_lock_row, basket_lock_with_lines
from ..models import (
    AccountType,
    Basket,
    BasketEvent,
    Coupon,
    CustomerAccount,
    GiftCard,
    Line,
    Product,
    PurchaserType,
    Salesperson,
    ShopAccount,
    Stage,
    Status,
    Variant,
)
from ..models.basket import STAGE_ORDER
from ..selectors import guid_parse
from .actors import Actor
from .storefront_errors import (
    HoldEnded,
    LineNotFound,
    PaymentNotStarted,
    StorefrontInputError,
    WrongStageOrder,
)
from .transitions import event_record

CENT = Decimal("0.01")
# Stages a storefront may move a basket to; Confirmation follows the payment result.
STOREFRONT_STAGES = (
    Stage.BASKET,
    Stage.LOGIN_REGISTER,
    Stage.ADDITIONAL_INFORMATION,
    Stage.MANAGE_BOOKING,
    Stage.PAYMENT,
)
NOT_EDITABLE = {
    Status.LOCKED: "The basket is locked until staff check its payment; it cannot be changed.",
    Status.AWAITING_COMPLETION: "The basket is paid and becomes an order; start a new basket.",
    Status.COMPLETED: "The basket is already an order; start a new basket.",
    Status.COMPLETION_FAILED: "The basket is paid and waits for staff; start a new basket.",
}


# --- finding and holding a basket ---------------------------------------------------------
def basket_id_for_write(guid: uuid.UUID | str) -> int:
    """The id of the basket with ``guid``; a basket staff deleted answers ``HoldEnded``."""
    parsed = guid_parse(guid)
    basket_id = Basket.objects.filter(guid=parsed).values_list("pk", flat=True).first()
    if basket_id is None:
        basket_deleted_refuse(parsed)
        raise BasketNotFound(f"No basket with GUID {parsed}.")
    return basket_id


def basket_deleted_refuse(guid: uuid.UUID) -> None:
    """Raise ``HoldEnded`` when the timeline shows the basket was deleted."""
    if BasketEvent.objects.filter(basket_guid=guid, action="delete").exists():
        raise HoldEnded(
            f"Basket {guid} was deleted by staff; the storefront's session for it has ended. "
            "Start again with a new basket (POST /api/baskets/)."
        )


def basket_editable_check(basket: Basket) -> None:
    """LC-4 / API-2: only an Active basket the storefront still holds takes edits."""
    if basket.hold_ended_at is not None:
        if basket.status == Status.ACTIVE:
            raise HoldEnded(
                f"Staff unlocked basket {basket.guid}; the storefront's session for it has "
                "ended. Start again: resume it (POST /api/baskets/<guid>/resume/) or create "
                "a new basket.",
                basket_id=basket.pk,
            )
        raise HoldEnded(
            f"Staff confirmed basket {basket.guid} as an order; the storefront's session for "
            "it has ended. Start again with a new basket (POST /api/baskets/).",
            basket_id=basket.pk,
        )
    if basket.status != Status.ACTIVE:
        raise BasketNotEditable(NOT_EDITABLE[Status(basket.status)], basket_id=basket.pk)


def _touch(basket: Basket, *fields: str) -> None:
    """Save ``fields`` with the modification and shopper activity time."""
    now = timezone.now()
    basket.modified_at = now
    basket.last_activity_at = now
    basket.save(update_fields=[*fields, "modified_at", "last_activity_at"])


def _reprice(basket: Basket, lines: list[Line]) -> None:
    """Total = lines, less each coupon's percentage, less gift card balances (never < 0)."""
    total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    coupons = Coupon.objects.filter(code__in=basket.coupon_codes).order_by("code")
    for coupon in coupons:
        total = total * (Decimal("100") - coupon.percent_off) / Decimal("100")
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    cards = GiftCard.objects.filter(code__in=basket.gift_card_codes, currency=basket.currency)
    for card in cards.order_by("code"):
        total -= min(card.balance, total)
    basket.total = total


# --- create ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BasketOwner:
    shop_account: ShopAccount | None = None
    customer_account: CustomerAccount | None = None
    salesperson: Salesperson | None = None


def _account_type(customer_account: CustomerAccount | None, *, has_party: bool) -> str:
    if customer_account is not None and customer_account.is_prospect:
        return AccountType.CONTACT
    return AccountType.CUSTOMER if has_party else AccountType.ANONYMOUS


def basket_owner_resolve(
    *,
    shop_account_guid: str | None = None,
    erp_account_id: str | None = None,
    salesperson_guid: str | None = None,
) -> BasketOwner:
    """Who a new basket is for; unknown parties are a ``StorefrontInputError``."""
    given = [v for v in (shop_account_guid, erp_account_id, salesperson_guid) if v]
    if len(given) > 1:
        raise StorefrontInputError(
            "Give at most one of shop_account, customer_account and salesperson.",
            code="conflicting_owner",
        )
    if shop_account_guid:
        guid = _guid_field(shop_account_guid, "shop_account")
        account = ShopAccount.objects.select_related("customer_account").filter(guid=guid).first()
        if account is None:
            raise StorefrontInputError(
                f"No shop account with GUID {guid}.", code="unknown_shop_account"
            )
        return BasketOwner(shop_account=account, customer_account=account.customer_account)
    if erp_account_id:
        customer = CustomerAccount.objects.filter(erp_account_id=erp_account_id).first()
        if customer is None:
            raise StorefrontInputError(
                f"No customer account with ERP account ID “{erp_account_id[:40]}”.",
                code="unknown_customer_account",
            )
        return BasketOwner(customer_account=customer)
    if salesperson_guid:
        guid = _guid_field(salesperson_guid, "salesperson")
        salesperson = (
            Salesperson.objects.select_related("shop_account", "selected_customer")
            .filter(shop_account__guid=guid)
            .first()
        )
        if salesperson is None:
            raise StorefrontInputError(
                f"No salesperson with shop account GUID {guid}.", code="unknown_salesperson"
            )
        return BasketOwner(salesperson=salesperson, customer_account=salesperson.selected_customer)
    return BasketOwner()


def _guid_field(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError as error:
        raise StorefrontInputError(
            f"{field}: “{str(value)[:60]}” is not a valid GUID.", code=f"invalid_{field}"
        ) from error


def basket_create(
    *, owner: BasketOwner, actor: Actor, currency: str = "EUR", location: str = ""
) -> Basket:
    """A new Active basket at the Basket stage for ``owner`` (anonymous when empty)."""
    now = timezone.now()
    customer = owner.customer_account
    account = owner.shop_account
    label = ""
    purchaser_type = ""
    purchaser_id = ""
    if account is not None:
        label, purchaser_type, purchaser_id = account.name, PurchaserType.USER, str(account.guid)
    elif customer is not None:
        label, purchaser_type = customer.name, customer.purchaser_type
        purchaser_id = customer.erp_account_id
    with transaction.atomic():
        basket = Basket.objects.create(
            shop_account=account,
            customer_account=customer,
            salesperson=owner.salesperson,
            account_type=_account_type(
                customer, has_party=any((account, customer, owner.salesperson))
            ),
            purchaser_label=label,
            purchaser_type=purchaser_type,
            purchaser_id=purchaser_id,
            currency=currency,
            location=location,
            created_at=now,
            modified_at=now,
            last_activity_at=now,
        )
        event_record(basket=basket, action="create", actor=actor, from_status="", at=now)
    return basket


# --- lines ----------------------------------------------------------------------------------
def _priced_item(product_id: str, variant_id: str) -> tuple[Product, Variant | None]:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise StorefrontInputError(f"Unknown product “{product_id[:40]}”.", code="unknown_product")
    if not product.available:
        raise StorefrontInputError(
            f"Product “{product.pk}” is not available.", code="product_unavailable"
        )
    if not variant_id:
        return product, None
    variant = Variant.objects.filter(pk=variant_id, product=product).first()
    if variant is None:
        raise StorefrontInputError(
            f"Product “{product.pk}” has no variant “{variant_id[:40]}”.", code="unknown_variant"
        )
    if not variant.available:
        raise StorefrontInputError(
            f"Variant “{variant.pk}” of product “{product.pk}” is not available.",
            code="variant_unavailable",
        )
    return product, variant


def line_add(
    *,
    guid: uuid.UUID | str,
    product_id: str,
    quantity: int,
    variant_id: str = "",
    booked_user_id: str = "",
) -> Basket:
    """Add ``quantity`` of a product (or variant) at today's price; the same item again
    adds to its line. Locks the lines, then the basket."""
    product, variant = _priced_item(product_id, variant_id)
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        basket_editable_check(basket)
        price = variant.price if variant is not None and variant.price is not None else None
        unit_price = price if price is not None else product.price
        same = [
            line
            for line in lines
            if line.product_id == product.pk
            and line.variant_id == variant_id
            and line.booked_user_id == booked_user_id
        ]
        if same:
            line = same[0]
            line.quantity += quantity
            line.unit_price = unit_price
            line.save(update_fields=["quantity", "unit_price"])
        else:
            lines.append(
                Line.objects.create(
                    basket=basket,
                    kind=product.kind,
                    product_id=product.pk,
                    variant_id=variant_id,
                    quantity=quantity,
                    unit_of_measure_id=product.unit_of_measure_id,
                    unit_price=unit_price,
                    booked_user_id=booked_user_id,
                )
            )
        _reprice(basket, lines)
        _touch(basket, "total")
    return basket


def line_change(*, guid: uuid.UUID | str, line_id: int, quantity: int) -> Basket:
    """Set a line's quantity. Locks the lines, then the basket."""
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        basket_editable_check(basket)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise LineNotFound(f"Basket {basket.guid} has no line {line_id}.", basket_id=basket_id)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        _reprice(basket, lines)
        _touch(basket, "total")
    return basket


def line_remove(*, guid: uuid.UUID | str, line_id: int) -> Basket:
    """Remove a line. Locks the lines, then the basket."""
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        basket_editable_check(basket)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise LineNotFound(f"Basket {basket.guid} has no line {line_id}.", basket_id=basket_id)
        remaining = [other for other in lines if other.pk != line_id]
        line.delete()
        _reprice(basket, remaining)
        _touch(basket, "total")
    return basket


# --- coupons and gift cards -----------------------------------------------------------------
def _valid_now(item: Coupon | GiftCard) -> bool:
    now = timezone.now()
    if not item.active:
        return False
    if getattr(item, "valid_from", None) and item.valid_from > now:
        return False
    return not (item.valid_until and item.valid_until <= now)


def _codes_change(guid, *, field: str, code: str, add: bool) -> Basket:
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        basket_editable_check(basket)
        codes: list[str] = list(getattr(basket, field))
        if add and code not in codes:
            codes.append(code)
        elif not add:
            if code not in codes:
                raise StorefrontInputError(
                    f"Code “{code[:40]}” is not applied to this basket.",
                    code="code_not_applied",
                    basket_id=basket_id,
                )
            codes.remove(code)
        setattr(basket, field, codes)
        _reprice(basket, lines)
        _touch(basket, field, "total")
    return basket


def coupon_apply(*, guid: uuid.UUID | str, code: str) -> Basket:
    """Apply a coupon code that exists and is valid now."""
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None:
        raise StorefrontInputError(f"Unknown coupon code “{code[:40]}”.", code="unknown_coupon")
    if not _valid_now(coupon):
        raise StorefrontInputError(
            f"Coupon code “{coupon.code}” is not valid now.", code="coupon_not_valid"
        )
    return _codes_change(guid, field="coupon_codes", code=coupon.code, add=True)


def coupon_remove(*, guid: uuid.UUID | str, code: str) -> Basket:
    return _codes_change(guid, field="coupon_codes", code=code, add=False)


def gift_card_apply(*, guid: uuid.UUID | str, code: str) -> Basket:
    """Apply a gift card that exists, is valid now and is in the basket's currency."""
    card = GiftCard.objects.filter(code=code).first()
    if card is None:
        raise StorefrontInputError(f"Unknown gift card “{code[:40]}”.", code="unknown_gift_card")
    if not _valid_now(card):
        raise StorefrontInputError(
            f"Gift card “{card.code}” is not valid now.", code="gift_card_not_valid"
        )
    basket_id = basket_id_for_write(guid)
    currency = Basket.objects.filter(pk=basket_id).values_list("currency", flat=True).first()
    if currency is not None and card.currency != currency:
        raise StorefrontInputError(
            f"Gift card “{card.code}” is in {card.currency}, the basket in {currency}.",
            code="gift_card_currency",
        )
    return _codes_change(guid, field="gift_card_codes", code=card.code, add=True)


def gift_card_remove(*, guid: uuid.UUID | str, code: str) -> Basket:
    return _codes_change(guid, field="gift_card_codes", code=code, add=False)


# --- checkout details and stages ------------------------------------------------------------
CHECKOUT_FIELDS = (
    "payment_address",
    "delivery_address",
    "delivery_method",
    "payment_method",
    "location",
    "user_values",
    "order_comment",
)


def basket_checkout_update(*, guid: uuid.UUID | str, changes: dict[str, Any]) -> Basket:
    """Set addresses, delivery and payment method, location, user values and comment."""
    unknown = sorted(set(changes) - set(CHECKOUT_FIELDS))
    if unknown:
        raise StorefrontInputError(f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field")
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        basket_editable_check(basket)
        for field, value in changes.items():
            setattr(basket, field, value)
        _touch(basket, *changes)
    return basket


def basket_stage_move(
    *, guid: uuid.UUID | str, stage: str, actor: Actor, purchaser_label: str = ""
) -> Basket:
    """Move one stage forward, or back to any earlier stage; Payment again restarts the
    payment attempt. Leaving a step records it done (CB-5, CB-6, CB-7)."""
    if stage not in STOREFRONT_STAGES:
        allowed = ", ".join(STOREFRONT_STAGES)
        raise StorefrontInputError(
            f"Unknown stage “{str(stage)[:40]}”; use one of {allowed}.", code="unknown_stage"
        )
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket, lines = basket_lock_with_lines(basket_id)
        basket_editable_check(basket)
        current = STAGE_ORDER.index(basket.stage)
        target = STAGE_ORDER.index(stage)
        restart_payment = stage == basket.stage == Stage.PAYMENT
        if target > current + 1 or (target == current and not restart_payment):
            following = Stage(STAGE_ORDER[min(current + 1, len(STAGE_ORDER) - 1)]).label
            raise WrongStageOrder(
                f"Cannot move from {Stage(basket.stage).label} to {Stage(stage).label}: "
                f"the next stage is {following}.",
                basket_id=basket_id,
            )
        if stage == Stage.PAYMENT and not lines:
            raise WrongStageOrder(
                "An empty basket cannot go to payment; add a line first.", basket_id=basket_id
            )
        now = timezone.now()
        fields = ["stage"]
        previous = basket.stage
        basket.stage = stage
        if previous == Stage.LOGIN_REGISTER and target > current:
            label = purchaser_label or (basket.shop_account.name if basket.shop_account else "")
            if label and not basket.purchaser_label:
                basket.purchaser_label = label[:200]
                fields.append("purchaser_label")
        if previous == Stage.ADDITIONAL_INFORMATION and target > current:
            if basket.additional_information_supplied_at is None:
                basket.additional_information_supplied_at = now
                fields.append("additional_information_supplied_at")
        if previous == Stage.MANAGE_BOOKING and target > current:
            if basket.manage_booking_completed_at is None:
                basket.manage_booking_completed_at = now
                fields.append("manage_booking_completed_at")
        if stage == Stage.PAYMENT:
            # A new payment attempt: the lock sweep waits for its result or the return.
            basket.payment_started_at = now
            basket.payment_returned_at = None
            basket.payment_result_at = None
            fields += ["payment_started_at", "payment_returned_at", "payment_result_at"]
            event_record(basket=basket, action="payment_started", actor=actor, at=now)
        _touch(basket, *fields)
    return basket


def basket_payment_return(*, guid: uuid.UUID | str, actor: Actor) -> Basket:
    """The shopper came back from the payment page: the lock sweep leaves the basket be."""
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        basket_editable_check(basket)
        if basket.payment_started_at is None:
            raise PaymentNotStarted(
                f"No payment was started for basket {basket.guid}; move it to the payment "
                "stage first.",
                basket_id=basket_id,
            )
        basket.payment_returned_at = timezone.now()
        event_record(basket=basket, action="payment_return", actor=actor)
        _touch(basket, "payment_returned_at")
    return basket


def basket_resume(*, guid: uuid.UUID | str, actor: Actor) -> Basket:
    """After staff unlocked a basket, the storefront takes it up again (a new session)."""
    basket_id = basket_id_for_write(guid)
    with transaction.atomic():
        basket = basket_lock_row(basket_id)
        if basket.status != Status.ACTIVE:
            raise BasketNotEditable(NOT_EDITABLE[Status(basket.status)], basket_id=basket_id)
        if basket.hold_ended_at is None:
            return basket
        basket.hold_ended_at = None
        event_record(basket=basket, action="storefront_resume", actor=actor)
        _touch(basket, "hold_ended_at")
    return basket
