"""BM-4: give both staff roles the rights on PaymentResult (added in 0003)."""

from django.db import migrations

from baskets.roles import roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0003_storefront_payments"),
        ("completion", "0003_roles_refresh"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
