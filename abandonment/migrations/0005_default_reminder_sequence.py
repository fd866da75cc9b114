"""AB-4: the single fixed reminder becomes a staff-editable sequence of three steps
(REMINDER_AFTER, default 1 h, then 24 h and 72 h after the capture) with the old template's text; abandonments already reminded
count as having had the first step. The staff roles get the new models' permissions."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations

from baskets.roles import roles_refresh_in_migration

BODY = """Hello {{ name }},

you left these items in your basket:
{% for line in lines %}
  {{ line.quantity }} x {{ line.name }}{% if line.variant_id %} ({{ line.variant_id }}){% endif %}  {{ line.unit_price }} {{ currency }}{% endfor %}

Total: {{ total }} {{ currency }}

Get your basket back with this link:
{{ Basket.BasketUrl }}

Prices and availability are checked again when you open it.

(Basket {{ Basket.BasketGUID }})
"""
STEPS = [
    (settings.REMINDER_AFTER, "You left something in your basket"),
    (timedelta(hours=24), "Your basket is still waiting for you"),
    (timedelta(hours=72), "Last reminder: your basket"),
]


def sequence_create(apps, schema_editor):
    step = apps.get_model("abandonment", "ReminderStep")
    send = apps.get_model("abandonment", "ReminderSend")
    abandonment = apps.get_model("abandonment", "Abandonment")
    if not step.objects.exists():
        created = [step.objects.create(delay=delay, subject=subject, body=BODY)
                   for delay, subject in STEPS]
        reminded = abandonment.objects.filter(reminded_at__isnull=False)
        reminded.update(reminders_sent=1)
        send.objects.bulk_create(
            send(abandonment_id=row.pk, step_number=1, step=created[0],
                 email=row.reminder_email or "unknown@invalid", sent_at=row.reminded_at)
            for row in reminded.only("pk", "reminder_email", "reminded_at")
        )
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("abandonment", "0004_reminder_sequence"),
        ("recovery", "0003_reminder_opt_out"),
    ]

    operations = [migrations.RunPython(sequence_create, migrations.RunPython.noop)]
