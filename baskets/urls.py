from django.urls import path

from . import api

app_name = "api"

urlpatterns = [
    path("baskets/", api.BasketListView.as_view(), name="basket-list"),
    path("baskets/<str:guid>/", api.BasketDetailView.as_view(), name="basket-detail"),
    path("baskets/<str:guid>/status/", api.BasketStatusView.as_view(), name="basket-status"),
]
