from django.apps import AppConfig


class AbandonmentConfig(AppConfig):
    name = "abandonment"
    verbose_name = "Abandonment"
