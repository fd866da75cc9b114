"""SH-1: ``/api/<kind>/`` and ``/api/<kind>/<shop's id>/`` for every kind of shop record."""

from django.urls import path

from .api.views import VIEWS

urlpatterns = []
for _name, (_list_view, _item_view) in VIEWS.items():
    urlpatterns += [
        path(f"{_name}/", _list_view.as_view(), name=f"shop-{_name}"),
        path(f"{_name}/<str:shop_id>/", _item_view.as_view(), name=f"shop-{_name}-item"),
    ]
