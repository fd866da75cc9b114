"""Lines, coupon codes and gift cards: each write re-prices the basket."""

import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ...currencies import amount_format
from ...models import (
    Basket,
    Coupon,
    EventType,
    GiftCard,
    Line,
    Price,
    Product,
    Variant,
)
from ..outbox import outbox_items, outbox_record
from ..storefront_errors import (
    LineNotFound,
    StorefrontInputError,
)
from .holds import (
    basket_editable_check,
    basket_id_for_write,
    basket_lock_for_write,
    basket_reprice,
    basket_touch,
)


def _priced_item(product_id: str, variant_id: str) -> tuple[Product, Variant | None]:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise StorefrontInputError(f"Unknown product “{product_id[:40]}”.", code="unknown_product")
    if not (product.available and product.active):
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
    if not (variant.available and variant.active):
        raise StorefrontInputError(
            f"Variant “{variant.pk}” of product “{product.pk}” is not available.",
            code="variant_unavailable",
        )
    return product, variant


def item_unit_price(*, product_id: str, variant_id: str = "", currency: str) -> Decimal:
    """Today's unit price of a product (or variant) in ``currency``; ``StorefrontInputError``
    when it is unknown, unavailable or has no price there (recovery re-prices with it, RL-2)."""
    product, variant = _priced_item(product_id, variant_id)
    return _unit_price(product, variant, currency)


def _unit_price(
    product: Product, variant: Variant | None, currency: str, *, basket_id: int | None = None
) -> Decimal:
    """SH-2: the variant's own price in ``currency``, else its product's; none is
    ``no_price_in_currency``."""
    own = Q(variant__isnull=True)
    if variant is not None:
        own |= Q(variant=variant)
    amounts = dict(
        Price.objects.filter(own, product=product, currency=currency).values_list(
            "variant_id", "amount"
        )
    )
    amount = amounts.get(variant.pk if variant is not None else None, amounts.get(None))
    if amount is None:
        item = variant.pk if variant is not None else product.pk
        raise StorefrontInputError(
            f"“{item}” has no price in {currency[:3]}; it cannot be added to a basket in "
            f"{currency[:3]}.",
            code="no_price_in_currency",
            basket_id=basket_id,
        )
    return amount


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
    with transaction.atomic():
        basket, lines = basket_lock_for_write(guid, with_lines=True)
        basket_editable_check(basket)
        unit_price = _unit_price(product, variant, basket.currency, basket_id=basket.pk)
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
        basket_reprice(basket, lines)
        basket_touch(basket, "total")
        (item,) = outbox_items(
            [
                Line(
                    product_id=product.pk,
                    variant_id=variant_id,
                    unit_price=unit_price,
                    quantity=quantity,
                )
            ],
            basket.currency,
            names={product.pk: product.name},
        )
        outbox_record(
            event_type=EventType.BASKET_LINE_ADDED,
            basket=basket,
            payload={
                "currency": basket.currency,
                "value": amount_format(unit_price * quantity, basket.currency),
                "items": [item],
            },
        )
    return basket


def line_change(*, guid: uuid.UUID | str, line_id: int, quantity: int) -> Basket:
    """Set a line's quantity. Locks the lines, then the basket."""
    with transaction.atomic():
        basket, lines = basket_lock_for_write(guid, with_lines=True)
        basket_id = basket.pk
        basket_editable_check(basket)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise LineNotFound(f"Basket {basket.guid} has no line {line_id}.", basket_id=basket_id)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        basket_reprice(basket, lines)
        basket_touch(basket, "total")
    return basket


def line_remove(*, guid: uuid.UUID | str, line_id: int) -> Basket:
    """Remove a line. Locks the lines, then the basket."""
    with transaction.atomic():
        basket, lines = basket_lock_for_write(guid, with_lines=True)
        basket_id = basket.pk
        basket_editable_check(basket)
        line = next((line for line in lines if line.pk == line_id), None)
        if line is None:
            raise LineNotFound(f"Basket {basket.guid} has no line {line_id}.", basket_id=basket_id)
        remaining = [other for other in lines if other.pk != line_id]
        line.delete()
        basket_reprice(basket, remaining)
        basket_touch(basket, "total")
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
    with transaction.atomic():
        basket, lines = basket_lock_for_write(guid, with_lines=True)
        basket_id = basket.pk
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
        basket_reprice(basket, lines)
        basket_touch(basket, field, "total")
    return basket


def coupon_validate(code: str) -> Coupon:
    """The coupon if it exists and is valid now, else ``StorefrontInputError``."""
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None:
        raise StorefrontInputError(f"Unknown coupon code “{code[:40]}”.", code="unknown_coupon")
    if not _valid_now(coupon):
        raise StorefrontInputError(
            f"Coupon code “{coupon.code}” is not valid now.", code="coupon_not_valid"
        )
    return coupon


def coupon_apply(*, guid: uuid.UUID | str, code: str) -> Basket:
    """Apply a coupon code that exists and is valid now; a single-use code only while no
    other basket holds it. Locks the lines and basket, then the coupon."""
    coupon = coupon_validate(code)
    with transaction.atomic():
        basket = _codes_change(guid, field="coupon_codes", code=coupon.code, add=True)
        if coupon.single_use:
            locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
            if locked.held_by_id not in (None, basket.pk):
                raise StorefrontInputError(
                    f"Coupon code “{coupon.code}” has been used already.",
                    code="coupon_used",
                    basket_id=basket.pk,
                )
            locked.held_by = basket
            locked.save(update_fields=["held_by"])
    return basket


def coupon_remove(*, guid: uuid.UUID | str, code: str) -> Basket:
    """Take a code off the basket; a single-use code it held is free again."""
    with transaction.atomic():
        basket = _codes_change(guid, field="coupon_codes", code=code, add=False)
        Coupon.objects.filter(pk=code, held_by=basket).update(held_by=None)
    return basket


def gift_card_validate(code: str, *, currency: str | None) -> GiftCard:
    """The gift card if it exists, is valid now and is in ``currency`` (when given), else
    ``StorefrontInputError``."""
    card = GiftCard.objects.filter(code=code).first()
    if card is None:
        raise StorefrontInputError(f"Unknown gift card “{code[:40]}”.", code="unknown_gift_card")
    if not _valid_now(card):
        raise StorefrontInputError(
            f"Gift card “{card.code}” is not valid now.", code="gift_card_not_valid"
        )
    _gift_card_currency_check(card, currency)
    return card


def _gift_card_currency_check(card: GiftCard, currency: str | None) -> None:
    if currency is not None and card.currency != currency:
        raise StorefrontInputError(
            f"Gift card “{card.code}” is in {card.currency}, the basket in {currency}.",
            code="gift_card_currency",
        )


def gift_card_apply(*, guid: uuid.UUID | str, code: str) -> Basket:
    """Apply a gift card that exists, is valid now and is in the basket's currency."""
    card = gift_card_validate(code, currency=None)
    basket_id = basket_id_for_write(guid)
    currency = Basket.objects.filter(pk=basket_id).values_list("currency", flat=True).first()
    _gift_card_currency_check(card, currency)
    return _codes_change(guid, field="gift_card_codes", code=card.code, add=True)


def gift_card_remove(*, guid: uuid.UUID | str, code: str) -> Basket:
    return _codes_change(guid, field="gift_card_codes", code=code, add=False)
