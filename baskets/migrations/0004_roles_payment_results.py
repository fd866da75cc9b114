"""BM-4: give both staff roles the rights on PaymentResult (added in 0003)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from baskets.roles import roles_ensure


def refresh_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_ensure(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0003_storefront_payments"),
        ("completion", "0003_roles_refresh"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
