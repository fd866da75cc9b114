from django.urls import path

from .api import fast_reads, read, storefront

app_name = "api"

urlpatterns = [
    path("baskets/", storefront.BasketCollectionView.as_view(), name="basket-list"),
    # Token reads take the one-query fast path; other clients the DRF views.
    path(
        "baskets/<str:guid>/",
        fast_reads.with_fast_path(read.BasketDetailView.as_view(), full=True),
        name="basket-detail",
    ),
    path(
        "baskets/<str:guid>/status/",
        fast_reads.with_fast_path(read.BasketStatusView.as_view(), full=False),
        name="basket-status",
    ),
    # Storefront writes (API-2).
    path("baskets/<str:guid>/lines/", storefront.LineListView.as_view(), name="basket-lines"),
    path(
        "baskets/<str:guid>/lines/<int:line_id>/",
        storefront.LineDetailView.as_view(),
        name="basket-line",
    ),
    path(
        "baskets/<str:guid>/coupons/",
        storefront.CouponListView.as_view(),
        name="basket-coupons",
    ),
    path(
        "baskets/<str:guid>/coupons/<str:code>/",
        storefront.CouponDetailView.as_view(),
        name="basket-coupon",
    ),
    path(
        "baskets/<str:guid>/gift-cards/",
        storefront.GiftCardListView.as_view(),
        name="basket-gift-cards",
    ),
    path(
        "baskets/<str:guid>/gift-cards/<str:code>/",
        storefront.GiftCardDetailView.as_view(),
        name="basket-gift-card",
    ),
    path(
        "baskets/<str:guid>/checkout/",
        storefront.CheckoutView.as_view(),
        name="basket-checkout",
    ),
    path("baskets/<str:guid>/stage/", storefront.StageView.as_view(), name="basket-stage"),
    path(
        "baskets/<str:guid>/payment/",
        storefront.PaymentResultView.as_view(),
        name="basket-payment",
    ),
    path(
        "baskets/<str:guid>/payment-return/",
        storefront.PaymentReturnView.as_view(),
        name="basket-payment-return",
    ),
    path("baskets/<str:guid>/resume/", storefront.ResumeView.as_view(), name="basket-resume"),
]
