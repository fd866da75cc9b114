from .checks import locked_cart_check, locked_carts_check
from .notifications import NotificationAnswer, ProviderOff, notification_receive

__all__ = [
    "NotificationAnswer",
    "ProviderOff",
    "locked_cart_check",
    "locked_carts_check",
    "notification_receive",
]
