"""Abandonment helpers: the default reminder sequence, which a transactional test's flush
removes along with the rest of the migrations' data."""

from datetime import timedelta

from abandonment.models import ReminderStep

DEFAULT_DELAYS = (timedelta(hours=1), timedelta(hours=24), timedelta(hours=72))
BODY = (
    "Hello {{ name }},\n\nyou left these items in your basket:\n"
    "{% for line in lines %}\n  {{ line.quantity }} x {{ line.name }}{% if line.variant_id %} "
    "({{ line.variant_id }}){% endif %}  {{ line.unit_price }} {{ currency }}{% endfor %}\n\n"
    "Total: {{ total }} {{ currency }}\n\nGet your basket back with this link:\n"
    "{{ Basket.BasketUrl }}\n\n(Basket {{ Basket.BasketGUID }})\n"
)


def reminder_sequence_ensure() -> list[ReminderStep]:
    """The default 1 h / 24 h / 72 h sequence, unless steps exist already."""
    if not ReminderStep.objects.exists():
        for delay in DEFAULT_DELAYS:
            ReminderStep.objects.create(delay=delay, subject="Your basket", body=BODY)
    return list(ReminderStep.objects.order_by("delay", "id"))
