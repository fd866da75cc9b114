"""Baskets and their lines.

``Basket.status`` is written only by the transition services in
``baskets/services/transitions.py``; everything else reads it.
"""

import uuid

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from .parties import CustomerAccount, PurchaserType, Salesperson, ShopAccount


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    LOCKED = "locked", _("Locked")
    AWAITING_COMPLETION = "awaiting_completion", _("Awaiting Completion")
    COMPLETED = "completed", _("Completed")
    COMPLETION_FAILED = "completion_failed", _("Completion Failed")


class Stage(models.TextChoices):
    """Checkout stages in the order a shopper passes them."""

    BASKET = "basket", _("Basket")
    LOGIN_REGISTER = "login_register", _("Login / register")
    ADDITIONAL_INFORMATION = "additional_information", _("Additional information")
    MANAGE_BOOKING = "manage_booking", _("Manage booking")
    PAYMENT = "payment", _("Payment")
    CONFIRMATION = "confirmation", _("Confirmation")


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


class AccountType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    ANONYMOUS = "anonymous", _("Anonymous")
    # A sales agent acting for a prospect.
    CONTACT = "contact", _("Contact")

    @classmethod
    def of(cls, *, has_party: bool, is_prospect: bool) -> "AccountType":
        """The one rule: a prospect's basket is a Contact's, any other basket with a login, a
        customer account or a salesperson a Customer's, a basket with none Anonymous."""
        if is_prospect:
            return cls.CONTACT
        return cls.CUSTOMER if has_party else cls.ANONYMOUS


class ItemKind(models.TextChoices):
    COURSE = "course", _("Course")
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")


class Basket(models.Model):
    guid = models.UUIDField(_("basket ID"), default=uuid.uuid4, unique=True, editable=False)
    shop_account = models.ForeignKey(
        ShopAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="baskets",
        help_text=_("The login that owns the basket; empty for an anonymous shopper."),
        verbose_name=_("shop account"),
    )
    customer_account = models.ForeignKey(
        CustomerAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="baskets",
        verbose_name=_("customer account"),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="baskets",
        verbose_name=_("salesperson"),
    )
    # Fixed when the basket is made, so the grid keeps it after an account is deleted.
    account_type = models.CharField(
        _("account type"), max_length=10, choices=AccountType.choices, default=AccountType.ANONYMOUS
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices, default=Stage.BASKET)

    # What the checkout grid shows about the purchaser (CB-1).
    booking_id = models.CharField(_("booking ID"), max_length=40, blank=True)
    billing_object = models.CharField(_("billing object"), max_length=200, blank=True)
    purchaser_label = models.CharField(_("purchaser label"), max_length=200, blank=True)
    purchaser_type = models.CharField(
        _("purchaser type"), max_length=10, choices=PurchaserType.choices, blank=True
    )
    purchaser_id = models.CharField(_("purchaser ID"), max_length=40, blank=True)
    booked_user_id = models.CharField(_("booked user ID"), max_length=40, blank=True)

    coupon_codes = models.JSONField(_("coupon codes"), default=list, blank=True)
    gift_card_codes = models.JSONField(_("gift card codes"), default=list, blank=True)
    user_values = models.JSONField(_("user values"), default=dict, blank=True)
    payment_address = models.JSONField(_("payment address"), default=dict, blank=True)
    delivery_address = models.JSONField(_("delivery address"), default=dict, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=60, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=60, blank=True)
    location = models.CharField(_("location"), max_length=60, blank=True)
    order_comment = models.TextField(_("order comment"), blank=True)
    # RL-1: recovery withheld the addresses (the shopper had not passed the address step):
    # they stay stored but are hidden from the shopper until the step is passed again or
    # new addresses are entered (``baskets.selectors.basket_addresses_for_shopper``).
    addresses_withheld_at = models.DateTimeField(_("addresses withheld at"), null=True, blank=True)
    # The shopper's e-mail as the storefront sent it with the checkout details; a guest's
    # only way to be reached (AB-1, AB-4). A login's own address is on its shop account.
    # db_default: bulk loaders (demo data, benchmarks) insert baskets naming their columns.
    email = models.EmailField(_("email"), blank=True, default="", db_default="")
    # PV-5: the shopper's language as the storefront sent it (one of settings.LANGUAGES);
    # empty: the browser's Accept-Language decides on the shopper pages.
    language = models.CharField(_("language"), max_length=8, blank=True, default="", db_default="")
    # PV-1: the shopper's answer to the marketing-consent question sent with the checkout
    # details (None: never asked), when it was given and where (the storefront's label for
    # the form or page, else the API client's name). Reminders read it under the live
    # REMINDER_CONSENT_POLICY.
    marketing_consent = models.BooleanField(_("marketing consent"), null=True, blank=True)
    marketing_consent_at = models.DateTimeField(_("marketing consent at"), null=True, blank=True)
    marketing_consent_source = models.CharField(
        _("marketing consent source"), max_length=100, blank=True, default="", db_default=""
    )

    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    created_at = models.DateTimeField(_("created at"), db_index=True)
    modified_at = models.DateTimeField(_("modified at"), db_index=True)
    # Any shopper write; the abandonment sweep reads it.
    last_activity_at = models.DateTimeField(_("last activity at"))

    additional_information_supplied_at = models.DateTimeField(
        _("additional information supplied at"), null=True, blank=True
    )
    manage_booking_completed_at = models.DateTimeField(
        _("manage booking completed at"), null=True, blank=True
    )

    # Payment and locking (LC-1, LC-3). Only a masked card number is ever stored.
    payment_started_at = models.DateTimeField(_("payment started at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    masked_card_number = models.CharField(_("masked card number"), max_length=25, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    lock_reason = models.CharField(_("lock reason"), max_length=200, blank=True)
    # LC-1: the shopper came back from the payment page / a payment result arrived, for the
    # payment attempt started at payment_started_at.
    payment_returned_at = models.DateTimeField(_("payment returned at"), null=True, blank=True)
    payment_result_at = models.DateTimeField(_("payment result at"), null=True, blank=True)
    # The staff alert for the current lock was sent (once per lock: compared with locked_at).
    lock_alerted_at = models.DateTimeField(_("lock alerted at"), null=True, blank=True)
    # LC-4: staff confirmed, unlocked or deleted the basket; the storefront must start again.
    hold_ended_at = models.DateTimeField(_("hold ended at"), null=True, blank=True)

    # Completion (CB-3, CB-4). Being completed is a lease, not a status.
    completion_attempts = models.PositiveSmallIntegerField(_("completion attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    completion_lease_until = models.DateTimeField(
        _("completion lease until"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    abandoned_at = models.DateTimeField(_("abandoned at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="basket_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(stage__in=Stage.values), name="basket_stage_known"
            ),
            models.CheckConstraint(
                condition=models.Q(account_type__in=AccountType.values),
                name="basket_account_type_known",
            ),
        ]
        indexes = [
            # Grid: newest first, optionally by status / account type.
            models.Index(fields=["status", "-created_at"], name="basket_status_created"),
            models.Index(fields=["account_type", "-created_at"], name="basket_type_created"),
            # Completion claims: only waiting rows are indexed, so completed rows piling
            # up never slow the claim.
            models.Index(
                fields=["last_attempt_at", "id"],
                name="basket_awaiting_claim",
                condition=models.Q(status="awaiting_completion"),
            ),
            # Abandonment sweep and the "shopper never came back" lock sweep.
            models.Index(
                fields=["last_activity_at"],
                name="basket_active_activity",
                condition=models.Q(status="active", abandoned_at__isnull=True),
            ),
            models.Index(
                fields=["payment_started_at"],
                name="basket_active_payment",
                condition=models.Q(status="active", payment_started_at__isnull=False),
            ),
            models.Index(
                fields=["locked_at"], name="basket_locked", condition=models.Q(status="locked")
            ),
            # A guest's baskets by the e-mail the caller gives (``baskets.search``).
            models.Index(Upper("email"), name="basket_email_upper"),
            # PV-4: the lifetime job's candidates (abandoned or not).
            models.Index(
                fields=["last_activity_at"],
                name="basket_lifetime_candidates",
                condition=models.Q(status="active", paid_at__isnull=True),
            ),
        ]
        verbose_name = _("basket")
        verbose_name_plural = _("baskets")

    def __str__(self) -> str:
        return str(self.guid)


class Line(models.Model):
    basket = models.ForeignKey(
        Basket, on_delete=models.CASCADE, related_name="lines", verbose_name=_("basket")
    )
    kind = models.CharField(
        max_length=10, choices=ItemKind.choices, default=ItemKind.PRODUCT, verbose_name=_("kind")
    )
    product_id = models.CharField(_("product ID"), max_length=40)
    variant_id = models.CharField(_("variant ID"), max_length=40, blank=True)
    quantity = models.PositiveIntegerField(verbose_name=_("quantity"))
    unit_of_measure_id = models.CharField(_("unit of measure ID"), max_length=10, default="EA")
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("unit price"))
    booked_user_id = models.CharField(_("booked user ID"), max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="line_quantity_gt_0"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ItemKind.values), name="line_kind_known"
            ),
        ]
        verbose_name = _("line")
        verbose_name_plural = _("lines")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity
