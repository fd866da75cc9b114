"""BM-4: System administrators manage staff users and see the roles (auth permissions)."""

from django.db import migrations

from baskets.roles import roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0018_basket_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
