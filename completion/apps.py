from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompletionConfig(AppConfig):
    name = "completion"
    verbose_name = _("Completion")

    def ready(self) -> None:
        from baskets.roles import role_grants_register

        from .services.triage import triage_bulk_actions_register

        # The triage's bulk actions run as background jobs over many baskets (BM-1).
        triage_bulk_actions_register()
        # AC-1: the Order processor triages completion; abandon reports (personal data) no.
        role_grants_register(
            "completion",
            order_processor={
                "completionfailedbasket": ("view", "change"),
                "basketincompletion": ("view",),
                "unreconciledbasket": ("view",),
                "completionfailureclosure": ("view", "add"),
                "upselloffer": ("view",),
            },
        )
