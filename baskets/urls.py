from django.urls import path

from . import api, api_storefront

app_name = "api"

urlpatterns = [
    path("baskets/", api_storefront.BasketCollectionView.as_view(), name="basket-list"),
    path("baskets/<str:guid>/", api.BasketDetailView.as_view(), name="basket-detail"),
    path("baskets/<str:guid>/status/", api.BasketStatusView.as_view(), name="basket-status"),
    # Storefront writes (API-2).
    path("baskets/<str:guid>/lines/", api_storefront.LineListView.as_view(), name="basket-lines"),
    path(
        "baskets/<str:guid>/lines/<int:line_id>/",
        api_storefront.LineDetailView.as_view(),
        name="basket-line",
    ),
    path(
        "baskets/<str:guid>/coupons/",
        api_storefront.CouponListView.as_view(),
        name="basket-coupons",
    ),
    path(
        "baskets/<str:guid>/coupons/<str:code>/",
        api_storefront.CouponDetailView.as_view(),
        name="basket-coupon",
    ),
    path(
        "baskets/<str:guid>/gift-cards/",
        api_storefront.GiftCardListView.as_view(),
        name="basket-gift-cards",
    ),
    path(
        "baskets/<str:guid>/gift-cards/<str:code>/",
        api_storefront.GiftCardDetailView.as_view(),
        name="basket-gift-card",
    ),
    path(
        "baskets/<str:guid>/checkout/",
        api_storefront.CheckoutView.as_view(),
        name="basket-checkout",
    ),
    path("baskets/<str:guid>/stage/", api_storefront.StageView.as_view(), name="basket-stage"),
    path(
        "baskets/<str:guid>/payment/",
        api_storefront.PaymentResultView.as_view(),
        name="basket-payment",
    ),
    path(
        "baskets/<str:guid>/payment-return/",
        api_storefront.PaymentReturnView.as_view(),
        name="basket-payment-return",
    ),
    path("baskets/<str:guid>/resume/", api_storefront.ResumeView.as_view(), name="basket-resume"),
]
