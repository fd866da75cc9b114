"""The workers' heartbeats now belong to the operations app (moved from completion).

The content type moves, so the permissions granted to roles and the admin's history stay
attached; the table is renamed after its new app."""

from django.db import migrations, models

MOVED = ["workerheartbeat"]


def content_types_move(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="completion", model__in=MOVED).update(
        app_label="operations"
    )


def content_types_move_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="operations", model__in=MOVED).update(
        app_label="completion"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("operations", "0002_task_run_seconds"),
        ("completion", "0006_abandonment_moves_out"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerHeartbeat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True)),
                        ("hostname", models.CharField(blank=True, max_length=200)),
                        ("seen_at", models.DateTimeField()),
                    ],
                    options={"db_table": "completion_workerheartbeat"},
                ),
            ]
        ),
        migrations.RunPython(content_types_move, content_types_move_back),
        migrations.AlterModelTable(name="workerheartbeat", table=None),
    ]
