"""PV-3: one JSON document of everything kept about one shopper."""

from django.utils import timezone

from abandonment.models import Abandonment, ReminderSend, ReminderSuppression
from baskets.models import Basket, Coupon, CustomerAccount, Order, ShopAccount
from recovery.models import ReminderOptOut

from ..selectors import Shopper


def _time(value):
    return value.isoformat() if value else None


def _lines(lines) -> list[dict]:
    return [
        {
            "product_id": line.product_id,
            "variant_id": line.variant_id,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "booked_user_id": line.booked_user_id,
        }
        for line in lines
    ]


def shopper_export(*, shopper: Shopper) -> dict:
    """The shopper's accounts, baskets (with lines and addresses), abandonments, reminders,
    consent and orders, as they are kept now."""
    shop_accounts = ShopAccount.objects.filter(pk__in=shopper.shop_account_ids).order_by("pk")
    customer_accounts = CustomerAccount.objects.filter(
        pk__in=shopper.customer_account_ids
    ).order_by("pk")
    baskets = (
        Basket.objects.filter(pk__in=shopper.basket_ids)
        .prefetch_related("lines")
        .order_by("created_at", "pk")
    )
    abandonments = Abandonment.objects.filter(pk__in=shopper.abandonment_ids).order_by(
        "captured_at", "pk"
    )
    reminders = ReminderSend.objects.filter(abandonment_id__in=shopper.abandonment_ids).order_by(
        "sent_at", "pk"
    )
    orders = (
        Order.objects.filter(basket_id__in=shopper.basket_ids)
        .select_related("basket", "invoice")
        .prefetch_related("lines")
        .order_by("created_at", "pk")
    )
    opt_outs = ReminderOptOut.objects.filter(email__in=shopper.emails).order_by("pk")
    # Suppressions are stored lower-case.
    lower = sorted({email.lower() for email in shopper.emails})
    suppressions = ReminderSuppression.objects.filter(email__in=lower).order_by("pk")
    coupons = Coupon.objects.filter(issued_to__in=shopper.emails).order_by("issued_at", "pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "identity": {"kind": shopper.kind, "emails": sorted(shopper.emails)},
        "shop_accounts": [
            {
                "id": str(account.guid),
                "name": account.name,
                "email": account.email,
                "created_at": _time(account.created_at),
                "reminder_opt_out_at": _time(account.reminder_opt_out_at),
            }
            for account in shop_accounts
        ],
        "customer_accounts": [
            {"erp_account_id": c.erp_account_id, "name": c.name, "email": c.email}
            for c in customer_accounts
        ],
        "baskets": [
            {
                "guid": str(basket.guid),
                "status": basket.status,
                "stage": basket.stage,
                "account_type": basket.account_type,
                "email": basket.email,
                "purchaser_label": basket.purchaser_label,
                "billing_object": basket.billing_object,
                "payment_address": basket.payment_address,
                "delivery_address": basket.delivery_address,
                "user_values": basket.user_values,
                "order_comment": basket.order_comment,
                "delivery_method": basket.delivery_method,
                "payment_method": basket.payment_method,
                "language": basket.language,
                "marketing_consent": basket.marketing_consent,
                "marketing_consent_at": _time(basket.marketing_consent_at),
                "marketing_consent_source": basket.marketing_consent_source,
                "total": str(basket.total),
                "currency": basket.currency,
                "created_at": _time(basket.created_at),
                "last_activity_at": _time(basket.last_activity_at),
                "lines": _lines(basket.lines.all()),
            }
            for basket in baskets
        ],
        "abandonments": [
            {
                "basket_guid": str(abandonment.basket_guid),
                "captured_at": _time(abandonment.captured_at),
                "email": abandonment.email,
                "name": abandonment.name,
                "payment_address": abandonment.payment_address,
                "total": str(abandonment.total),
                "currency": abandonment.currency,
                "lines": abandonment.lines,
                "recovered_at": _time(abandonment.recovered_at),
            }
            for abandonment in abandonments
        ],
        "reminders": [
            {
                "basket_guid": str(send.abandonment.basket_guid),
                "step": send.step_number,
                "email": send.email,
                "sent_at": _time(send.sent_at),
            }
            for send in reminders.select_related("abandonment")
        ],
        "consent": {
            "reminder_opt_outs": [
                {"email": opt_out.email, "opted_out_at": _time(opt_out.opted_out_at)}
                for opt_out in opt_outs
            ],
            "shop_accounts_opted_out": [
                str(account.guid) for account in shop_accounts if account.reminder_opt_out_at
            ],
            "suppressed_addresses": [
                {
                    "email": suppression.email,
                    "reason": suppression.reason,
                    "suppressed_at": _time(suppression.suppressed_at),
                }
                for suppression in suppressions
            ],
        },
        "coupons_issued": [
            {
                "code": coupon.code,
                "issued_to": coupon.issued_to,
                "issued_at": _time(coupon.issued_at),
            }
            for coupon in coupons
        ],
        "orders": [
            {
                "number": order.number,
                "basket_guid": str(order.basket.guid),
                "total": str(order.total),
                "currency": order.currency,
                "created_at": _time(order.created_at),
                "lines": _lines(order.lines.all()),
                "invoice": (
                    {
                        "number": order.invoice.number,
                        "amount": str(order.invoice.amount),
                        "currency": order.invoice.currency,
                    }
                    if hasattr(order, "invoice")
                    else None
                ),
            }
            for order in orders
        ],
    }
