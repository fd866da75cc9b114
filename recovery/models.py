"""Shopper-facing recovery (SPEC section 4): the shopper's baskets and the shop's texts.

A shopper's *current basket* is the active row of ``ShopperBasket`` for that shopper:
a login is identified by its shop account, an anonymous visitor by a random token kept in
the session (it survives the session key change at login; logging out forgets it). With
``MULTIPLE_BASKETS`` the shopper's other rows stay in the list as inactive baskets (RL-6).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baskets.models import Basket, ShopAccount


class ShopperBasket(models.Model):
    """One basket in one shopper's list; the row with no ``deactivated_at`` is current."""

    # PV-4: the entry goes with its basket when the basket's lifetime runs out.
    DELETED_WITH_BASKET = True

    shop_account = models.ForeignKey(
        ShopAccount,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shop account"),
    )
    # The anonymous visitor's token from the session (``recovery.shoppers.SESSION_KEY``).
    visitor_token = models.UUIDField(_("visitor token"), null=True, blank=True)
    basket = models.ForeignKey(
        Basket,
        on_delete=models.CASCADE,
        related_name="shopper_entries",
        verbose_name=_("basket"),
    )
    added_at = models.DateTimeField(_("added at"))
    activated_at = models.DateTimeField(_("activated at"))
    # Empty: the shopper's current basket. Set: kept in the list, inactive (RL-6).
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        ordering = ["-activated_at", "-id"]
        verbose_name = _("shopper basket")
        verbose_name_plural = _("shopper baskets")
        constraints = [
            models.CheckConstraint(
                condition=Q(shop_account__isnull=False, visitor_token__isnull=True)
                | Q(shop_account__isnull=True, visitor_token__isnull=False),
                name="shopper_basket_one_shopper",
            ),
            models.UniqueConstraint(
                fields=["shop_account", "basket"],
                condition=Q(shop_account__isnull=False),
                name="shopper_basket_account_unique",
            ),
            models.UniqueConstraint(
                fields=["visitor_token", "basket"],
                condition=Q(visitor_token__isnull=False),
                name="shopper_basket_visitor_unique",
            ),
            # At most one current basket per shopper.
            models.UniqueConstraint(
                fields=["shop_account"],
                condition=Q(shop_account__isnull=False, deactivated_at__isnull=True),
                name="shopper_basket_account_current",
            ),
            models.UniqueConstraint(
                fields=["visitor_token"],
                condition=Q(visitor_token__isnull=False, deactivated_at__isnull=True),
                name="shopper_basket_visitor_current",
            ),
        ]

    def __str__(self) -> str:
        state = "current" if self.deactivated_at is None else "inactive"
        return f"{self.basket_id} ({state})"


class ApplicationText(models.Model):
    """RL-7: a shop message staff can edit, per language (PV-5); ``[BasketGuid]`` is
    replaced with the GUID. A language with no row of its own speaks the translated default."""

    key = models.CharField(_("key"), max_length=60)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    text = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key", "language"]
        verbose_name = _("application text")
        verbose_name_plural = _("application texts")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language"], name="application_text_one_per_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class ReminderOptOut(models.Model):
    """AB-4: an e-mail address that receives no reminder (a guest's, or a login's too);
    stored lower-case."""

    email = models.EmailField(_("email"), unique=True)
    opted_out_at = models.DateTimeField(_("opted out at"))

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")

    def __str__(self) -> str:
        return self.email


class UnsubscribeToken(models.Model):
    """AC-6, AB-4: the random, opaque token of an unsubscribe link, for a login (its shop
    account) or a guest (the address, lower-case); it names no one to a reader: whom it
    stands for is found only by looking the token up."""

    shop_account = models.OneToOneField(
        ShopAccount,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="unsubscribe_token",
        verbose_name=_("shop account"),
    )
    email = models.EmailField(_("email"), blank=True, default="")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscribe token")
        verbose_name_plural = _("unsubscribe tokens")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(shop_account__isnull=False, email="")
                    | models.Q(shop_account__isnull=True) & ~models.Q(email="")
                ),
                name="unsubscribe_token_for_a_login_or_an_address",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(shop_account__isnull=True),
                name="unsubscribe_token_one_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"unsubscribe token of account {self.shop_account_id}"


class ShopperHandover(models.Model):
    """SH-3: a one-time URL the shop asked for to sign its logged-in shopper in to the
    shopper pages: used once, within ``SHOPPER_HANDOVER_MAX_AGE``. Only the digest of its
    random token is kept, so the table cannot be turned back into working URLs."""

    token_digest = models.CharField(_("token digest"), max_length=64, unique=True)
    shop_account = models.ForeignKey(
        ShopAccount,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shop account"),
    )
    customer_account = models.ForeignKey(
        "baskets.CustomerAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer account"),
    )
    # Where the shopper lands: a path of the shopper pages (the basket page by default).
    next_path = models.CharField(_("next path"), max_length=200)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shopper hand-over")
        verbose_name_plural = _("shopper hand-overs")
        constraints = [
            models.CheckConstraint(
                condition=Q(shop_account__isnull=False, customer_account__isnull=True)
                | Q(shop_account__isnull=True, customer_account__isnull=False),
                name="shopper_handover_one_shopper",
            ),
        ]

    def __str__(self) -> str:
        return f"hand-over {self.pk}"
