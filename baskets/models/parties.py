"""Who a basket belongs to: shop accounts (logins), customer accounts (ERP), salespersons."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class PurchaserType(models.TextChoices):
    ACCOUNT = "account", _("Account (company)")
    USER = "user", _("User (individual)")


class CustomerAccount(models.Model):
    """An ERP customer account; several shop accounts (logins) may belong to one."""

    erp_account_id = models.CharField(_("ERP account ID"), max_length=40, unique=True)
    name = models.CharField(max_length=200, verbose_name=_("name"))
    email = models.EmailField(blank=True, verbose_name=_("email"))
    purchaser_type = models.CharField(
        max_length=10,
        choices=PurchaserType.choices,
        default=PurchaserType.ACCOUNT,
        verbose_name=_("purchaser type"),
    )
    # A prospect is a potential customer a sales agent acts for; its baskets show as Contact.
    is_prospect = models.BooleanField(default=False, verbose_name=_("is prospect"))
    # SH-1: the shop deactivated it ("active": false): no new baskets; existing ones keep it.
    # db_default: bulk loaders (demo data, benchmarks) insert rows naming their columns.
    active = models.BooleanField(default=True, db_default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.erp_account_id})"


class ShopAccount(models.Model):
    """A storefront login: name, e-mail and a public GUID."""

    guid = models.UUIDField(_("shop account ID"), default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shop_account",
        verbose_name=_("user"),
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    email = models.EmailField(verbose_name=_("email"))
    customer_account = models.ForeignKey(
        CustomerAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shop_accounts",
        verbose_name=_("customer account"),
    )
    reminder_opt_out_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("reminder opt out at")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # SH-1: the shop deactivated it ("active": false): no new baskets; existing ones keep it.
    # db_default: bulk loaders (demo data, benchmarks) insert rows naming their columns.
    active = models.BooleanField(default=True, db_default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            # The grid's e-mail filter is case-insensitive (UPPER(email) = UPPER(%s)).
            models.Index(Upper("email"), name="shop_account_email_upper"),
            models.Index(fields=["name"], name="shop_account_name"),
            # Finding a caller's baskets (``baskets.search``): a whole name, case ignored,
            # and any part of one through pg_trgm (UPPER(name) LIKE UPPER('%...%')).
            models.Index(Upper("name"), name="shop_account_name_upper"),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="shop_account_name_trgm"),
        ]
        verbose_name = _("shop account")
        verbose_name_plural = _("shop accounts")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Salesperson(models.Model):
    """A shop account that sells for related customers, one selected at a time."""

    shop_account = models.OneToOneField(
        ShopAccount,
        on_delete=models.CASCADE,
        related_name="salesperson",
        verbose_name=_("shop account"),
    )
    related_customers = models.ManyToManyField(
        CustomerAccount,
        blank=True,
        related_name="salespersons",
        verbose_name=_("related customers"),
    )
    selected_customer = models.ForeignKey(
        CustomerAccount,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("selected customer"),
    )
    # SH-1: the shop deactivated it ("active": false): no new baskets; existing ones keep it.
    # db_default: bulk loaders (demo data, benchmarks) insert rows naming their columns.
    active = models.BooleanField(default=True, db_default=True, verbose_name=_("active"))
    # SH-1: the shop's own ``updated_at`` of the last sync that wrote this row; a sync
    # carrying an older one changes nothing.
    shop_updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("shop updated at")
    )

    class Meta:
        verbose_name_plural = _("salespersons")
        verbose_name = _("salesperson")

    def __str__(self) -> str:
        return str(self.shop_account)
