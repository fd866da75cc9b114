from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("basket/", views.basket_current, name="basket"),
    path("basket/recover/<str:guid>/", views.basket_recover, name="recover"),
    path("baction/rb.aspx", views.basket_recover_legacy, name="recover-legacy"),
    path("basket/handover/<str:token>/", views.shopper_handover, name="handover"),
    path(
        "basket/reminders/unsubscribe/<str:token>/",
        views.reminders_unsubscribe,
        name="unsubscribe",
    ),
]
