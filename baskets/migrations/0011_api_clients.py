"""AC-1, AC-2: the API client groups, the Order processor as an allow-list, and the amount
and currency a payment result carries."""

from django.db import migrations, models

from baskets.roles import CLIENT_GROUPS, roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


def drop_client_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=CLIENT_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0010_timeline_actions"),
        ("completion", "0006_abandonment_moves_out"),
        ("recovery", "0003_reminder_opt_out"),
        ("abandonment", "0005_default_reminder_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentresult",
            name="amount",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="paymentresult",
            name="currency",
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.RunPython(refresh_roles, drop_client_groups),
    ]
