from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """``manage.py bench``: installed only from a checkout, never from the wheel."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
