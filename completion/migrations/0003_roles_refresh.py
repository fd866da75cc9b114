"""Give the staff roles the permissions of the completion admin pages."""

from django.db import migrations

from baskets.roles import roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [("completion", "0002_completion_engine")]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
