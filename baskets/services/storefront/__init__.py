"""Storefront writes (API-2): create a basket, change its contents, move its checkout.

Every write locks the basket (lines first when lines change), checks that the basket is
Active and that the storefront still holds it (LC-4), changes it, re-prices it and
records the activity time the abandonment and lock sweeps read. A refusal raises a
``BasketError`` before anything is written.
"""

from .checkout import (
    CHECKOUT_FIELDS,
    basket_checkout_update,
    basket_hold_resume,
    basket_payment_return,
    basket_resume,
    basket_stage_move,
)
from .contents import (
    coupon_apply,
    coupon_remove,
    coupon_validate,
    gift_card_apply,
    gift_card_remove,
    gift_card_validate,
    item_unit_price,
    line_add,
    line_change,
    line_remove,
)
from .create import BasketOwner, basket_create, basket_owner_resolve
from .holds import (
    NOT_EDITABLE,
    STOREFRONT_STAGES,
    basket_deleted_refuse,
    basket_editable_check,
    basket_id_for_write,
)

__all__ = [
    "CHECKOUT_FIELDS",
    "NOT_EDITABLE",
    "STOREFRONT_STAGES",
    "BasketOwner",
    "basket_checkout_update",
    "basket_create",
    "basket_deleted_refuse",
    "basket_editable_check",
    "basket_id_for_write",
    "basket_owner_resolve",
    "basket_payment_return",
    "basket_hold_resume",
    "basket_resume",
    "basket_stage_move",
    "coupon_apply",
    "coupon_remove",
    "coupon_validate",
    "gift_card_apply",
    "gift_card_remove",
    "gift_card_validate",
    "item_unit_price",
    "line_add",
    "line_change",
    "line_remove",
]
