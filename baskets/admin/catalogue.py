from django.contrib import admin

from ..models import Coupon, GiftCard, Product, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "price", "unit_of_measure_id", "available")
    list_filter = ("kind", "available")
    search_fields = ("=id", "name")
    inlines = (VariantInline,)


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "percent_off", "valid_from", "valid_until", "active")
    list_filter = ("active",)
    search_fields = ("=code",)


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin):
    list_display = ("code", "balance", "currency", "valid_until", "active")
    list_filter = ("active",)
    search_fields = ("=code",)
