from django.urls import path

from . import api

app_name = "completion-api"

urlpatterns = [
    path("baskets/<str:guid>/upsell/", api.UpsellEnterView.as_view(), name="basket-upsell"),
]
