"""The basket domain (SPEC section 1): parties, catalogue, baskets, orders, events."""

from .basket import AccountType, Basket, ItemKind, Line, Stage, Status
from .bulk_jobs import BasketBulkJob, BulkJobAction, BulkJobStatus
from .business_settings import BusinessSettingChange
from .catalogue import Coupon, GiftCard, Price, Product, Variant
from .events import BasketEvent, TimelineAction
from .gift_cards import GiftCardMovement, GiftCardReservation
from .lifetimes import BasketLifetimeRun, LifetimeRule
from .orders import CourseEnrolment, Invoice, Order, OrderLine, ReceivableOutcome
from .outbox import EventType, OutboxEvent
from .parties import CustomerAccount, PurchaserType, Salesperson, ShopAccount
from .payments import PaymentResult
from .preferences import GridColumnChoice

__all__ = [
    "AccountType",
    "Basket",
    "BasketBulkJob",
    "BasketEvent",
    "BasketLifetimeRun",
    "BulkJobAction",
    "BulkJobStatus",
    "BusinessSettingChange",
    "Coupon",
    "CourseEnrolment",
    "CustomerAccount",
    "TimelineAction",
    "EventType",
    "GiftCard",
    "GiftCardMovement",
    "GiftCardReservation",
    "GridColumnChoice",
    "Invoice",
    "ItemKind",
    "LifetimeRule",
    "Line",
    "Order",
    "OrderLine",
    "OutboxEvent",
    "PaymentResult",
    "Price",
    "Product",
    "PurchaserType",
    "ReceivableOutcome",
    "Salesperson",
    "ShopAccount",
    "Stage",
    "Status",
    "Variant",
]
