"""Refresh the staff roles once every app's models exist: the Order processor's allow-list
reads the live settings (constance's own content type) and the models the merged apps
added are given to the System administrator."""

from django.db import migrations

from baskets.roles import roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0015_timeline_webhook_actions"),
        ("completion", "0006_abandonment_moves_out"),
        ("abandonment", "0005_default_reminder_sequence"),
        ("recovery", "0005_unsubscribe_tokens_for_guests"),
        ("webhooks", "0002_event_reference_only"),
        ("operations", "0001_initial"),
        ("constance", "0003_drop_pickle"),
    ]

    operations = [migrations.RunPython(refresh_roles, migrations.RunPython.noop)]
