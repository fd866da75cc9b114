from django.apps import AppConfig


class CompletionConfig(AppConfig):
    name = "completion"
    verbose_name = "Completion"

    def ready(self) -> None:
        # The triage's bulk actions run as background jobs over many baskets (BM-1).
        from .services.triage import triage_bulk_actions_register

        triage_bulk_actions_register()
