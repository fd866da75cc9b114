"""The product's URLs plus the stock-settings admin the grid workload compares with."""

from django.urls import path

from basketops.urls import urlpatterns as product_urlpatterns

from .admin_grid import stock_site

urlpatterns = [path("bench-stock-admin/", stock_site.urls), *product_urlpatterns]
