from django.apps import AppConfig


class ToolingConfig(AppConfig):
    """Running the product locally: embedded PostgreSQL, demo data, the one-command runner."""

    name = "tooling"
    verbose_name = "Tooling"
