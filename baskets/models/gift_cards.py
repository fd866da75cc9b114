"""SH-5: what a gift card's balance is held for and every movement of it.

A reservation holds part of a card's balance for one basket in payment; what a card has
left for anyone else is its balance less every reservation on it. A movement is one line
of the card's history: reserved for a basket, debited when the basket was paid, released
when its payment ended without an order. Both are written under the card's row lock (see
``baskets.services.gift_cards``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GiftCardReservation(models.Model):
    card = models.ForeignKey(
        "baskets.GiftCard", on_delete=models.PROTECT, related_name="reservations"
    )
    # Released (with a movement) before a basket is deleted; the cascade only guards
    # against a path that forgot, so a deleted basket never holds money.
    basket = models.ForeignKey(
        "baskets.Basket", on_delete=models.CASCADE, related_name="gift_card_reservations"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reserved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "basket"], name="gift_card_reservation_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="gift_card_reservation_amount_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of {self.card_id} for basket {self.basket_id}"


class GiftCardMovement(models.Model):
    class Kind(models.TextChoices):
        RESERVE = "reserve", _("Reserved")
        DEBIT = "debit", _("Debited")
        RELEASE = "release", _("Released")

    card = models.ForeignKey("baskets.GiftCard", on_delete=models.PROTECT, related_name="movements")
    # Kept when the basket is deleted: the GUID still names it.
    basket = models.ForeignKey(
        "baskets.Basket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gift_card_movements",
    )
    basket_guid = models.UUIDField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The card's balance after this movement (only a debit changes it).
    balance_after = models.DecimalField(max_digits=12, decimal_places=2)
    actor_label = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["card", "created_at"], name="gift_card_movement_card")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="gift_card_movement_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["reserve", "debit", "release"]),
                name="gift_card_movement_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} of {self.card_id}"
