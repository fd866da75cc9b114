"""PV-3: the record of each erasure, without the erased data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail address")
    SHOP_ACCOUNT = "shop_account", _("Shop account")
    CUSTOMER_ACCOUNT = "customer_account", _("Customer account")


class ShopperErasure(models.Model):
    """One shopper erased: who asked, when, why, what kind of identity, how many rows of
    each table changed. Never the e-mail, name or address that was erased: an e-mail
    identity is kept as nothing at all, an account as its public ID (GUID / ERP ID), and
    the reason is scrubbed of the erased values before it is saved."""

    erased_at = models.DateTimeField(db_index=True, verbose_name=_("erased at"))
    actor_label = models.CharField(max_length=150, verbose_name=_("actor label"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    kind = models.CharField(max_length=20, choices=IdentityKind.choices, verbose_name=_("kind"))
    # The shop account's GUID or the customer account's ERP ID; empty for an e-mail.
    account_reference = models.CharField(
        max_length=60, blank=True, verbose_name=_("account reference")
    )
    basket_guids = models.JSONField(default=list, verbose_name=_("basket guids"))
    # {"baskets_basket": 3, ...}: rows changed or deleted per table.
    rows = models.JSONField(default=dict, verbose_name=_("rows"))

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IdentityKind.values), name="erasure_kind_known"
            )
        ]
        verbose_name = _("shopper erasure")
        verbose_name_plural = _("shopper erasures")

    def __str__(self) -> str:
        return f"erasure #{self.pk} ({self.get_kind_display()}) {self.erased_at:%Y-%m-%d %H:%M}"
