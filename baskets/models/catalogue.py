"""Just enough catalogue to price and re-price a basket."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    # The product ID other systems know (ERP item number); it is the key, so lines and
    # exports carry it without a join.
    id = models.CharField(_("product ID"), max_length=40, primary_key=True)
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.PRODUCT, verbose_name=_("kind")
    )
    unit_of_measure_id = models.CharField(
        max_length=10, default="EA", verbose_name=_("unit of measure id")
    )
    # Two flags, one rule each. ``available`` off means withdrawn (staff, admin): no new
    # lines, and a paid basket holding it cannot complete (CB-4). ``active`` is the shop's
    # own flag over the sync (SH-1): off stops new lines only; existing baskets keep their
    # lines and complete. The shop sending ``active: true`` also undoes a withdrawal.
    available = models.BooleanField(default=True, verbose_name=_("available"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class Variant(models.Model):
    id = models.CharField(_("variant ID"), max_length=40, primary_key=True)
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    available = models.BooleanField(
        default=True, verbose_name=_("available")
    )  # withdrawn when off, as on the product
    active = models.BooleanField(
        default=True, verbose_name=_("active")
    )  # the shop's flag, as on the product
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class Price(models.Model):
    """SH-2: what a product, or one of its variants, costs in one currency.

    A variant without a price of its own in a currency sells at its product's price there;
    an item with neither has no price in that currency and cannot enter such a basket.
    The amount has no more digits than the currency's minor unit (``baskets.currencies``)."""

    # Indexes: the product's (``price_product``) and the two unique ones below, which also
    # find a variant's prices; no text-pattern twins (every index costs a bulk import).
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="prices",
        db_index=False,
        verbose_name=_("product"),
    )
    # Empty: the product's own price.
    variant = models.ForeignKey(
        Variant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="prices",
        db_index=False,
        verbose_name=_("variant"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))

    class Meta:
        ordering = ["product", "variant", "currency"]
        indexes = [models.Index(fields=["product"], name="price_product")]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "currency"],
                condition=models.Q(variant__isnull=True),
                name="price_product_currency",
                violation_error_message="This product already has a price in this currency.",
            ),
            models.UniqueConstraint(
                fields=["variant", "currency"],
                condition=models.Q(variant__isnull=False),
                name="price_variant_currency",
                violation_error_message="This variant already has a price in this currency.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="price_amount_gte_0",
                violation_error_message="A price must not be negative.",
            ),
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.variant_id or self.product_id} {self.amount} {self.currency}"


class Coupon(models.Model):
    """A code off the basket's total: a percentage, or an amount in one currency.

    A single-use code (a reminder's incentive, issued to one recipient) is held by one
    basket at a time (``held_by``): another basket cannot apply it while that one has it."""

    code = models.CharField(max_length=40, primary_key=True, verbose_name=_("code"))
    percent_off = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, verbose_name=_("percent off")
    )
    amount_off = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("amount off")
    )
    currency = models.CharField(
        max_length=3, blank=True, default="", db_default="", verbose_name=_("currency")
    )
    valid_from = models.DateTimeField(null=True, blank=True, verbose_name=_("valid from"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )
    single_use = models.BooleanField(default=False, db_default=False, verbose_name=_("single use"))
    held_by = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("held by"),
    )
    # Issued to one recipient (a reminder's incentive), when; purged once expired.
    issued_to = models.EmailField(
        blank=True, default="", db_default="", verbose_name=_("issued to")
    )
    issued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("issued at"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(percent_off__gt=0, percent_off__lte=100, amount_off__isnull=True)
                    | models.Q(percent_off__isnull=True, amount_off__gt=0) & ~models.Q(currency="")
                ),
                name="coupon_percent_or_amount_off",
            )
        ]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code


class GiftCard(models.Model):
    code = models.CharField(max_length=40, primary_key=True, verbose_name=_("code"))
    balance = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("balance"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    valid_until = models.DateTimeField(null=True, blank=True, verbose_name=_("valid until"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="gift_card_balance_gte_0",
                violation_error_message="A gift card balance must not be negative.",
            )
        ]
        verbose_name = _("gift card")
        verbose_name_plural = _("gift cards")

    def __str__(self) -> str:
        return self.code
