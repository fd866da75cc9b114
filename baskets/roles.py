"""BM-4, AC-1, AC-2: the staff roles and the API client groups, with their permissions.

Every app says what the roles hold of its own models (``role_grants_register``, from its
``AppConfig.ready``); ``roles_ensure`` makes the groups from what was registered. Takes the
Group and Permission classes so a data migration can pass its historical models. The Order
processor is an allow-list: a model added later gives it nothing until its app names it.
"""

ADMINISTRATOR = "System administrator"
ORDER_PROCESSOR = "Order processor"

# AC-2: API clients. Their rights are not model permissions (see ``baskets.access``).
STOREFRONT = "Storefront"
PAYMENT_PROVIDER = "Payment provider"
STATUS_READER = "Status reader"
CLIENT_GROUPS = (STOREFRONT, PAYMENT_PROVIDER, STATUS_READER)

# What the roles hold of each app's models, registered by the app itself when it starts
# (its ``AppConfig.ready`` calls ``role_grants_register``): the roles are defined here, once,
# and no app lists another's models.
ADMINISTRATOR_APPS: set[str] = set()
ORDER_PROCESSOR_PERMISSIONS: dict[str, tuple[str, ...]] = {}
# Permissions of the ``auth`` app (staff users, roles) given to System administrators.
ADMINISTRATOR_STAFF_PERMISSIONS: set[tuple[str, str, str]] = set()
# A permission set that is no model of its own hangs on the content type of another model
# (django-constance's "constance.config" on its storage model "constance").
PERMISSION_CONTENT_TYPES: dict[str, str] = {}


def role_grants_register(
    app_label: str,
    *,
    administrator: bool = True,
    order_processor: dict[str, tuple[str, ...]] | None = None,
    content_types: dict[str, str] | None = None,
) -> None:
    """What the roles hold of ``app_label``'s models: with ``administrator``, every permission
    of the app to System administrators; ``order_processor`` maps a model name to the
    actions the Order processor may take on it (an allow-list: a model not named gives it
    nothing)."""
    if administrator:
        ADMINISTRATOR_APPS.add(app_label)
    for model, actions in (order_processor or {}).items():
        ORDER_PROCESSOR_PERMISSIONS[f"{app_label}.{model}"] = actions
    for model, content_type_model in (content_types or {}).items():
        PERMISSION_CONTENT_TYPES[f"{app_label}.{model}"] = content_type_model


def staff_permissions_register(*permissions: tuple[str, str, str]) -> None:
    """``auth`` permissions, as (app label, model, codename), given to System administrators."""
    ADMINISTRATOR_STAFF_PERMISSIONS.update(permissions)


def _order_processor_codenames() -> list[tuple[str, str, str]]:
    """(app label, content type model, codename) of each permission the role holds."""
    codenames = []
    for label, actions in ORDER_PROCESSOR_PERMISSIONS.items():
        app_label, model = label.split(".")
        content_type_model = PERMISSION_CONTENT_TYPES.get(label, model)
        codenames += [(app_label, content_type_model, f"{action}_{model}") for action in actions]
    return codenames


def roles_ensure(group_model, permission_model) -> None:
    """Create or refresh the staff roles and the (permission-less) API client groups."""
    everything = permission_model.objects.filter(content_type__app_label__in=ADMINISTRATOR_APPS)
    staff_management = [
        permission.pk
        for permission in permission_model.objects.filter(
            content_type__app_label="auth"
        ).select_related("content_type")
        if (permission.content_type.app_label, permission.content_type.model, permission.codename)
        in ADMINISTRATOR_STAFF_PERMISSIONS
    ]
    administrator, _ = group_model.objects.get_or_create(name=ADMINISTRATOR)
    administrator.permissions.set([*everything.values_list("pk", flat=True), *staff_management])
    allowed = [
        permission.pk
        for permission in everything.select_related("content_type")
        if (
            permission.content_type.app_label,
            permission.content_type.model,
            permission.codename,
        )
        in set(_order_processor_codenames())
    ]
    processor, _ = group_model.objects.get_or_create(name=ORDER_PROCESSOR)
    processor.permissions.set(allowed)
    for name in CLIENT_GROUPS:
        client, _ = group_model.objects.get_or_create(name=name)
        client.permissions.clear()


def roles_refresh_in_migration(apps) -> None:
    """From a data migration: create the permissions of models added so far, then the roles."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
