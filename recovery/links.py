"""RL-8: the recovery link (BasketUrl) and GUID (BasketGUID) for e-mails and the API (the
unsubscribe link of reminder e-mails is ``recovery.unsubscribe``).

Every absolute link starts with ``SHOP_BASE_URL``, so the API, the e-mails and anything
else that hands a link to a shopper give the same one.
"""

from baskets.links import basket_url
from baskets.models import Basket, Order


def basket_runtime_values(basket: Basket) -> dict[str, str]:
    """The "Basket" runtime values for templates: ``{{ Basket.BasketUrl }}`` and
    ``{{ Basket.BasketGUID }}``."""
    return {"BasketGUID": str(basket.guid), "BasketUrl": basket_url(basket.guid)}


def order_runtime_values(order: Order) -> dict[str, str]:
    """The "Data_Order" runtime values: ``{{ Data_Order.BasketGUID }}`` only (an ordered
    basket cannot be recovered, so it has no BasketUrl)."""
    guid = Basket.objects.filter(pk=order.basket_id).values_list("guid", flat=True).get()
    return {"BasketGUID": str(guid)}
