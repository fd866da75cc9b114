"""Abandonments, abandon reports and their schedules now belong to the abandonment app.

State only: the tables stay where they are (the models keep their db_table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('completion', '0005_abandonment_reminders'),
        ('abandonment', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.RemoveField(
            model_name='abandonreport',
            name='requested_by',
        ),
        migrations.RemoveField(
            model_name='abandonreport',
            name='schedule',
        ),
        migrations.RemoveField(
            model_name='reportschedule',
            name='created_by',
        ),
        migrations.DeleteModel(
            name='Abandonment',
        ),
        migrations.DeleteModel(
            name='AbandonReport',
        ),
        migrations.DeleteModel(
            name='ReportSchedule',
        ),
    ]),
    ]
