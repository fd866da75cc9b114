from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("basket/recover/<str:guid>/", views.basket_recover, name="recover"),
    path("baction/rb.aspx", views.basket_recover_legacy, name="recover-legacy"),
]
