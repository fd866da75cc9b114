from django.urls import path

from .views import notification_view

urlpatterns = [
    path("hooks/<slug:provider>/", notification_view, name="provider-notification"),
]
