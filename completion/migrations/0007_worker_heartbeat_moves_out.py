"""The workers' heartbeats now belong to the operations app. State only: operations'
migration takes the table over."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("completion", "0006_abandonment_moves_out"),
        ("operations", "0003_worker_heartbeat_moves_in"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WorkerHeartbeat")]
        ),
    ]
