"""PV-3: the record of each erasure, without the erased data."""

from django.db import models


class IdentityKind(models.TextChoices):
    EMAIL = "email", "E-mail address"
    SHOP_ACCOUNT = "shop_account", "Shop account"
    CUSTOMER_ACCOUNT = "customer_account", "Customer account"


class ShopperErasure(models.Model):
    """One shopper erased: who asked, when, why, what kind of identity, how many rows of
    each table changed. Never the e-mail, name or address that was erased: an e-mail
    identity is kept as nothing at all, an account as its public ID (GUID / ERP ID), and
    the reason is scrubbed of the erased values before it is saved."""

    erased_at = models.DateTimeField(db_index=True)
    actor_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    # The shop account's GUID or the customer account's ERP ID; empty for an e-mail.
    account_reference = models.CharField(max_length=60, blank=True)
    basket_guids = models.JSONField(default=list)
    # {"baskets_basket": 3, ...}: rows changed or deleted per table.
    rows = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=IdentityKind.values), name="erasure_kind_known"
            )
        ]

    def __str__(self) -> str:
        return f"erasure #{self.pk} ({self.get_kind_display()}) {self.erased_at:%Y-%m-%d %H:%M}"
