"""Give the staff roles the permissions of the completion admin pages."""

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
    dependencies = [("completion", "0002_completion_engine")]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
