from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Basket recovery"

    def ready(self) -> None:
        # baskets hands out the recovery link (RL-8) with the path this app's route gives.
        from baskets.links import recovery_path_register

        from .links import recover_path

        recovery_path_register(recover_path)
