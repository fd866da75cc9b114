"""BM-4: the two staff roles."""

from django.db import migrations

from baskets.roles import roles_refresh_in_migration


def create_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["System administrator", "Order processor"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0001_initial"),
        ("completion", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
