"""BM-4, AC-1, AC-2: the staff roles and the API client groups, with their permissions.

Takes the Group and Permission classes so the data migration can pass its historical models.
The Order processor is an allow-list: a model added later gives it nothing until it is
named here.
"""

ADMINISTRATOR = "System administrator"
ORDER_PROCESSOR = "Order processor"

# AC-2: API clients. Their rights are not model permissions (see ``baskets.access``).
STOREFRONT = "Storefront"
PAYMENT_PROVIDER = "Payment provider"
STATUS_READER = "Status reader"
CLIENT_GROUPS = (STOREFRONT, PAYMENT_PROVIDER, STATUS_READER)

# "constance": the live business settings, which administrators change.
ADMINISTRATOR_APPS = (
    "baskets", "completion", "abandonment", "recovery", "constance", "shopdata",
)
# PV-3: erasures and exports of one shopper's data.
ADMINISTRATOR_APPS += ("shopper_data",)

# BM-4: staff users and their roles, managed without superuser; the roles themselves (their
# permissions) only read. ``baskets.admin.staff_users`` keeps a System administrator from
# making anyone superuser or giving more than they hold.
ADMINISTRATOR_STAFF_PERMISSIONS = (
    ("auth", "user", "view_user"),
    ("auth", "user", "add_user"),
    ("auth", "user", "change_user"),
    ("auth", "user", "delete_user"),
    ("auth", "group", "view_group"),
)

# AC-1: baskets, locked carts, completion triage and orders; the catalogue, coupons, gift
# cards and shopper-facing texts only to read; no shop accounts, customer accounts,
# salespersons, abandonments or abandon reports (they hold shop-account personal data).
ORDER_PROCESSOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "baskets.basket": ("view", "change", "delete"),
    "baskets.line": ("view",),
    "baskets.basketevent": ("view",),
    "baskets.paymentresult": ("view",),
    "baskets.order": ("view", "change"),
    "baskets.orderline": ("view",),
    "baskets.invoice": ("view",),
    "baskets.courseenrolment": ("view",),
    "baskets.product": ("view",),
    "baskets.variant": ("view",),
    "baskets.price": ("view",),
    "baskets.coupon": ("view",),
    "baskets.giftcard": ("view",),
    "completion.completionfailedbasket": ("view", "change"),
    "completion.basketincompletion": ("view",),
    "completion.unreconciledbasket": ("view",),
    "completion.completionfailureclosure": ("view", "add"),
    "completion.upselloffer": ("view",),
    "completion.workerheartbeat": ("view",),
    "recovery.applicationtext": ("view",),
    # The live business settings: read, never changed.
    "constance.config": ("view",),
}
# django-constance's settings page ("constance.config") is no model of its own: its
# permissions (``constance.view_config``) hang on the content type of its storage model.
PERMISSION_CONTENT_TYPES = {"constance.config": "constance"}


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
