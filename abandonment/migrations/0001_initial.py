"""The abandonment app takes over completion's abandonment tables, rows and permissions.

State only for the tables (they keep their names); the content types move, so the
permissions granted to roles and the admin's history stay attached."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ["abandonment", "abandonreport", "reportschedule"]


def content_types_move(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="completion", model__in=MOVED).update(
        app_label="abandonment"
    )


def content_types_move_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="abandonment", model__in=MOVED).update(
        app_label="completion"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('baskets', '0004_roles_payment_results'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('completion', '0005_abandonment_reminders'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='ReportSchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('frequency', models.CharField(choices=[('daily', 'Every day'), ('weekly', 'Every week'), ('monthly', 'Every month (30 days)')], max_length=10)),
                ('next_run_at', models.DateTimeField()),
                ('active', models.BooleanField(default=True)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'completion_reportschedule',
            },
        ),
        migrations.CreateModel(
            name='Abandonment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('basket_guid', models.UUIDField(db_index=True)),
                ('captured_at', models.DateTimeField(db_index=True)),
                ('last_activity_at', models.DateTimeField()),
                ('shop_account_email', models.EmailField(blank=True, max_length=254)),
                ('total', models.DecimalField(decimal_places=2, max_digits=12)),
                ('currency', models.CharField(max_length=3)),
                ('lines', models.JSONField(default=list)),
                ('recovered_at', models.DateTimeField(blank=True, null=True)),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('reminder_email', models.EmailField(blank=True, db_default='', max_length=254)),
                ('basket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='abandonments', to='baskets.basket')),
            ],
            options={
                'db_table': 'completion_abandonment',
                'ordering': ['-captured_at'],
                'indexes': [models.Index(condition=models.Q(('recovered_at__isnull', True), ('reminded_at__isnull', True)), fields=['captured_at'], name='abandonment_reminder_due')],
            },
        ),
        migrations.CreateModel(
            name='AbandonReport',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date_from', models.DateField(verbose_name='from')),
                ('date_to', models.DateField(verbose_name='to')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Ready to download'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('requested_at', models.DateTimeField()),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('baskets_total', models.PositiveIntegerField(default=0)),
                ('baskets_done', models.PositiveIntegerField(default=0)),
                ('rows_written', models.PositiveIntegerField(default=0)),
                ('file', models.FileField(blank=True, upload_to='reports/')),
                ('error', models.TextField(blank=True)),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('schedule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='abandonment.reportschedule')),
            ],
            options={
                'db_table': 'completion_abandonreport',
                'ordering': ['-requested_at', '-id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('date_from__lte', models.F('date_to'))), name='abandon_report_dates_in_order')],
            },
        ),
    ]),
        migrations.RunPython(content_types_move, content_types_move_back),
    ]
