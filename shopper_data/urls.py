from django.urls import path

from . import api

app_name = "shopper-data-api"

urlpatterns = [
    path("privacy/erasures/", api.ErasureCreateView.as_view(), name="erasure-create"),
    path("privacy/exports/", api.ExportView.as_view(), name="export"),
]
