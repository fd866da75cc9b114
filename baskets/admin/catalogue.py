from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..access import personal_data_visible
from ..currencies import amount_fits, amount_format, shop_currencies
from ..models import Coupon, GiftCard, Price, Product, Variant
from ..selectors import gift_card_movement_list, gift_card_reserved_sum
from ..services.gift_cards import gift_card_lock_for_change

# The newest movements a card's History page lists.
MOVEMENTS_SHOWN = 500


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0


class PriceForm(forms.ModelForm):
    """SH-2: a price is in one of the shop's currencies, to that currency's minor unit."""

    class Meta:
        model = Price
        fields = ("variant", "currency", "amount")

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if currency not in shop_currencies():
            raise forms.ValidationError(
                _("“%(currency)s” is not one of the shop's currencies (%(currencies)s).")
                % {"currency": currency[:10], "currencies": ", ".join(shop_currencies())},
                code="unsupported_currency",
            )
        return currency

    def clean(self):
        cleaned = super().clean()
        currency, amount = cleaned.get("currency"), cleaned.get("amount")
        if currency and amount is not None and not amount_fits(amount, currency):
            self.add_error(
                "amount",
                _("%(amount)s has more decimals than %(currency)s has.")
                % {"amount": amount, "currency": currency},
            )
        return cleaned


class PriceInline(admin.TabularInline):
    """The product's prices per currency, its variants' own prices beside them."""

    model = Price
    form = PriceForm
    extra = 0
    verbose_name_plural = gettext_lazy("prices per currency")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        variants = formset.form.base_fields["variant"]
        variants.queryset = Variant.objects.filter(product=obj) if obj else Variant.objects.none()
        variants.empty_label = _("(the product itself)")
        return formset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "prices_shown", "unit_of_measure_id", "available")
    list_filter = ("kind", "available")
    search_fields = ("=id", "name")
    inlines = (PriceInline, VariantInline)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("prices")

    @admin.display(description=gettext_lazy("prices"))
    def prices_shown(self, product: Product) -> str:
        own = [price for price in product.prices.all() if price.variant_id is None]
        return ", ".join(f"{amount_format(p.amount, p.currency)} {p.currency}" for p in own) or "—"


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "percent_off",
        "amount_off",
        "currency",
        "valid_from",
        "valid_until",
        "active",
        "single_use",
    )
    list_filter = ("active", "single_use")
    search_fields = ("=code",)
    # The basket holding a single-use code is set by the coupon path only.
    readonly_fields = ("held_by", "issued_at")
    raw_id_fields = ("held_by",)

    def get_exclude(self, request, obj=None):
        """AC-1: whom a code was issued to (an e-mail address) only for those who may see
        shop-account personal data."""
        return () if personal_data_visible(request.user) else ("issued_to",)


class GiftCardForm(forms.ModelForm):
    """A staff change of a balance never undoes a debit made while the page was open, nor
    goes below what baskets in payment hold (SH-5)."""

    # The balance the page showed, to tell a change from a debit that happened meanwhile.
    balance_seen = forms.DecimalField(
        label=gettext_lazy("balance seen"), widget=forms.HiddenInput, required=False
    )

    class Meta:
        model = GiftCard
        fields = ("code", "balance", "currency", "valid_until", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["balance_seen"].initial = self.instance.balance

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "balance" not in cleaned:
            return cleaned
        # The admin saves in the transaction this lock belongs to: no debit or reservation
        # slips in between this check and the save.
        current, held = gift_card_lock_for_change(self.instance.pk)
        seen = cleaned.get("balance_seen")
        if seen is not None and seen != current.balance:
            raise forms.ValidationError(
                _(
                    "The balance changed from %(seen)s to %(balance)s while this page was open "
                    "(see the card's history); check it and save again."
                )
                % {"seen": seen, "balance": current.balance},
                code="balance_changed",
            )
        if cleaned["balance"] < held:
            raise forms.ValidationError(
                _(
                    "Baskets in payment hold %(held)s of this card; the balance cannot go "
                    "below that."
                )
                % {"held": held},
                code="balance_below_reserved",
            )
        return cleaned


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    """Gift cards with what baskets in payment hold of them; the card's History page lists
    every reservation, debit and release (SH-5)."""

    form = GiftCardForm
    list_display = ("code", "balance", "reserved", "available", "currency", "valid_until", "active")
    list_filter = ("active",)
    search_fields = ("=code",)
    object_history_template = "admin/baskets/giftcard/object_history.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reserved_total=gift_card_reserved_sum())

    @admin.display(description=gettext_lazy("reserved"))
    def reserved(self, card: GiftCard):
        return card.reserved_total

    @admin.display(description=gettext_lazy("available"))
    def available(self, card: GiftCard):
        return card.balance - card.reserved_total

    def history_view(self, request, object_id, extra_context=None):
        movements = gift_card_movement_list(unquote(object_id), limit=MOVEMENTS_SHOWN + 1)
        rows = [
            (
                movement,
                reverse("admin:baskets_basket_change", args=[movement.basket_id])
                if movement.basket_id
                else "",
            )
            for movement in movements[:MOVEMENTS_SHOWN]
        ]
        context = {
            "movements": rows,
            "movements_more": len(movements) > MOVEMENTS_SHOWN,
            "movements_shown": MOVEMENTS_SHOWN,
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)
