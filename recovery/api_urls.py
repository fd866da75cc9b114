from django.urls import path

from . import api

app_name = "recovery-api"

urlpatterns = [
    path("shoppers/handover/", api.ShopperHandoverView.as_view(), name="shopper-handover"),
    path(
        "shoppers/<str:key>/baskets/",
        api.ShopAccountBasketsView.as_view(),
        name="shopper-baskets",
    ),
    path(
        "visitors/<str:key>/baskets/",
        api.VisitorBasketsView.as_view(),
        name="visitor-baskets",
    ),
]
