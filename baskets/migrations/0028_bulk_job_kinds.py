from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0027_line_added_and_checkout_started_events"),
    ]

    operations = [
        migrations.AlterField(
            model_name="basketbulkjob",
            name="action",
            field=models.CharField(max_length=40),
        ),
        migrations.AddField(
            model_name="basketbulkjob",
            name="label",
            field=models.CharField(default="Delete baskets", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="basketbulkjob",
            name="verb",
            field=models.CharField(default="Deleted", max_length=60),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="basketbulkjob",
            name="back_url",
            field=models.CharField(blank=True, max_length=1000),
        ),
        migrations.AddField(
            model_name="basketbulkjob",
            name="unchanged",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
