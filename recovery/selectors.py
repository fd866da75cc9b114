"""Reads of the shopper's baskets for the basket page."""

from django.db.models import F, QuerySet

from baskets.models import Basket, Product

from .models import ShopperBasket
from .shoppers import Shopper


def shopper_baskets(shopper: Shopper) -> QuerySet[ShopperBasket]:
    """The shopper's list, current basket first, then inactive ones, newest first."""
    if not shopper.is_known:
        return ShopperBasket.objects.none()
    return (
        ShopperBasket.objects.filter(shopper.entries_q())
        .select_related("basket")
        .order_by(F("deactivated_at").asc(nulls_first=True), "-activated_at", "-id")
    )


def basket_page_lines(basket: Basket) -> list[dict]:
    """The basket's lines with product names and line totals, in one query each."""
    lines = list(basket.lines.all())
    names = dict(
        Product.objects.filter(pk__in={line.product_id for line in lines}).values_list(
            "pk", "name"
        )
    )
    return [
        {"line": line, "name": names.get(line.product_id, line.product_id)} for line in lines
    ]
