"""What completion makes of a paid basket: one order, its invoice, course enrolments."""

from django.db import models

from .basket import Basket, ItemKind


def order_number(basket_id: int) -> str:
    """One order per basket, so the basket's id makes a number that can never clash."""
    return f"SO{basket_id:010d}"


def invoice_number(basket_id: int) -> str:
    return f"INV{basket_id:010d}"


class ReceivableOutcome(models.TextChoices):
    PAYMENT_RECEIVED = "payment_received", "Payment received"
    WRITTEN_OFF = "written_off", "Written off"


class Order(models.Model):
    # Exactly one order per basket, ever: the unique key is the last line of defence.
    basket = models.OneToOneField(Basket, on_delete=models.PROTECT, related_name="order")
    number = models.CharField(max_length=30, unique=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    # AB-5: an order whose charge failed waits in accounts receivable with a note.
    accounts_receivable_at = models.DateTimeField(null=True, blank=True)
    accounts_receivable_note = models.TextField(blank=True)
    # Staff follow-up: the money came in, or was written off (reason in the timeline).
    accounts_receivable_settled_at = models.DateTimeField(null=True, blank=True)
    # A database default: completion inserts orders in set-based SQL (order_statement.py).
    accounts_receivable_outcome = models.CharField(
        max_length=20, choices=ReceivableOutcome.choices, blank=True, db_default=""
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["accounts_receivable_at"],
                name="order_accounts_receivable",
                condition=models.Q(accounts_receivable_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    product_id = models.CharField(max_length=40)
    variant_id = models.CharField(max_length=40, blank=True)
    quantity = models.PositiveIntegerField()
    unit_of_measure_id = models.CharField(max_length=10)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    booked_user_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_gt_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class Invoice(models.Model):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=30, unique=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class CourseEnrolment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="enrolments")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    course_id = models.CharField(max_length=40)
    booked_user_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.course_id} for {self.booked_user_id or 'unnamed'}"
