from decimal import Decimal

from django.db.models import Count, F

from baskets.models import Basket, ItemKind, Order, Status
from tests.support.factories import LineFactory, ProductFactory, basket_in_status


def paid_basket(*, lines: int = 2, course: bool = True, pay: bool = True, **kwargs):
    """An Awaiting Completion basket with product lines and, if asked, one course seat
    (``pay=False``: still Active, ready to be paid)."""
    basket = basket_in_status(Status.ACTIVE, **kwargs)
    total = Decimal(0)
    for index in range(lines):
        product = ProductFactory(id=f"PRD-{index:03d}", price=Decimal("10.00"))
        LineFactory(
            basket=basket, product_id=product.id, quantity=index + 1, unit_price=Decimal("10.00")
        )
        total += Decimal("10.00") * (index + 1)
    if course:
        course_product = ProductFactory(id="CRS-001", kind=ItemKind.COURSE, price=Decimal("250.00"))
        LineFactory(
            basket=basket,
            kind=ItemKind.COURSE,
            product_id=course_product.id,
            unit_of_measure_id="SEAT",
            unit_price=Decimal("250.00"),
            booked_user_id="U000001",
        )
        total += Decimal("250.00")
    basket.total = total
    basket.save(update_fields=["total"])
    if not pay:
        return basket
    from baskets.services.transitions import basket_mark_paid
    from tests.support.factories import SYSTEM

    basket_mark_paid(basket_id=basket.pk, actor=SYSTEM, payment_reference="PSP-1")
    basket.refresh_from_db()
    return basket


def assert_every_order_whole() -> None:
    """One order per completed basket, none for any other; order lines equal basket lines."""
    completed = Basket.objects.filter(status=Status.COMPLETED)
    assert Order.objects.count() == completed.count()
    assert not Order.objects.exclude(basket__status=Status.COMPLETED).exists()
    assert not Basket.objects.annotate(orders=Count("order")).filter(orders__gt=1).exists()
    mismatched = Order.objects.annotate(
        order_lines=Count("lines", distinct=True),
        basket_lines=Count("basket__lines", distinct=True),
    ).exclude(order_lines=F("basket_lines"))
    assert not mismatched.exists()
