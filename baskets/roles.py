"""BM-4: the two staff roles as groups with model permissions.

Takes the Group and Permission classes so the data migration can pass its historical models.
"""

PARTY_MODELS = ("shopaccount", "customeraccount", "salesperson")
# The live business settings (django-constance): administrators change, processors view.
SETTINGS_VIEW = "view_config"
SETTINGS_CHANGE = "change_config"
ADMINISTRATOR = "System administrator"
ORDER_PROCESSOR = "Order processor"


def roles_ensure(group_model, permission_model) -> None:
    """Create or refresh both groups; the Order processor never gets shop account rights and
    only views the business settings."""
    everything = permission_model.objects.filter(
        content_type__app_label__in=["baskets", "completion", "abandonment", "recovery"]
    )
    settings = permission_model.objects.filter(content_type__app_label="constance")
    administrator, _ = group_model.objects.get_or_create(name=ADMINISTRATOR)
    administrator.permissions.set(
        [*everything, *settings.filter(codename__in=[SETTINGS_VIEW, SETTINGS_CHANGE])]
    )
    processor, _ = group_model.objects.get_or_create(name=ORDER_PROCESSOR)
    processor.permissions.set(
        [
            *everything.exclude(content_type__model__in=PARTY_MODELS),
            *settings.filter(codename=SETTINGS_VIEW),
        ]
    )


def roles_refresh_in_migration(apps) -> None:
    """From a data migration: create the permissions of models added so far, then the roles."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
