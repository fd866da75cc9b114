"""What completion makes of a paid basket: one order, its invoice, course enrolments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .basket import Basket, ItemKind


def order_number(basket_id: int) -> str:
    """One order per basket, so the basket's id makes a number that can never clash."""
    return f"SO{basket_id:010d}"


def invoice_number(basket_id: int) -> str:
    return f"INV{basket_id:010d}"


class ReceivableOutcome(models.TextChoices):
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    WRITTEN_OFF = "written_off", _("Written off")


class Order(models.Model):
    # Exactly one order per basket, ever: the unique key is the last line of defence.
    basket = models.OneToOneField(
        Basket, on_delete=models.PROTECT, related_name="order", verbose_name=_("basket")
    )
    number = models.CharField(max_length=30, unique=True, verbose_name=_("number"))
    total = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("total"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # AB-5: an order whose charge failed waits in accounts receivable with a note.
    accounts_receivable_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("accounts receivable at")
    )
    accounts_receivable_note = models.TextField(
        blank=True, verbose_name=_("accounts receivable note")
    )
    # Staff follow-up: the money came in, or was written off (reason in the timeline).
    accounts_receivable_settled_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("accounts receivable settled at")
    )
    # A database default: completion inserts orders in set-based SQL (order_statement.py).
    accounts_receivable_outcome = models.CharField(
        max_length=20,
        choices=ReceivableOutcome.choices,
        blank=True,
        db_default="",
        verbose_name=_("accounts receivable outcome"),
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
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices, verbose_name=_("kind"))
    product_id = models.CharField(max_length=40, verbose_name=_("product id"))
    variant_id = models.CharField(max_length=40, blank=True, verbose_name=_("variant id"))
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_of_measure_id = models.CharField(max_length=10, verbose_name=_("unit of measure id"))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("unit price"))
    booked_user_id = models.CharField(max_length=40, blank=True, verbose_name=_("booked user id"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_gt_0"
            )
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class Invoice(models.Model):
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="invoice", verbose_name=_("order")
    )
    number = models.CharField(max_length=30, unique=True, verbose_name=_("number"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number


class CourseEnrolment(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("order")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("order line")
    )
    course_id = models.CharField(max_length=40, verbose_name=_("course id"))
    booked_user_id = models.CharField(max_length=40, blank=True, verbose_name=_("booked user id"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")

    def __str__(self) -> str:
        return f"{self.course_id} for {self.booked_user_id or 'unnamed'}"
