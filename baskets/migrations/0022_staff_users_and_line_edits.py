"""BM-4: System administrators manage staff users (auth permissions on their role); staff
line edits in the timeline and the outbox; the new-card request in the timeline."""

from django.db import migrations, models

from baskets.roles import roles_refresh_in_migration


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("baskets", "0021_basket_consent_coupons"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterField(
            model_name="basketevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("mark_paid", "Paid"),
                    ("lock", "Locked"),
                    ("unlock", "Unlocked"),
                    ("confirm", "Confirmed by staff"),
                    ("complete", "Completed"),
                    ("fail_completion", "Completion failed"),
                    ("requeue", "Requeued for completion"),
                    ("finalise_unpaid", "Upsell finalised unpaid"),
                    ("completion_attempt_failed", "Completion attempt failed"),
                    ("close_completion_failure", "Completion failure closed"),
                    ("complete_manage_booking", "Manage booking step completed"),
                    ("flag_additional_information", "Additional information supplied"),
                    ("delete", "Deleted"),
                    ("line_remove", "Line removed by staff"),
                    ("line_quantity_change", "Line quantity changed by staff"),
                    ("receivable_paid", "Accounts receivable: payment received"),
                    ("receivable_written_off", "Accounts receivable: written off"),
                    ("receivable_card_request", "Accounts receivable: new card asked for"),
                    ("payment_started", "Payment started"),
                    ("payment_return", "Returned from the payment page"),
                    ("payment_paid", "Payment result: paid"),
                    ("payment_pending", "Payment result: pending"),
                    ("payment_failed", "Payment result: failed"),
                    ("payment_cancelled", "Payment result: cancelled"),
                    ("payment_reconciliation", "Payment result kept for reconciliation"),
                    ("storefront_resume", "Taken up again by the storefront"),
                    ("enter_upsell", "Upsell offer entered"),
                    ("finish_upsell", "Upsell offer finished"),
                    ("upsell_charge_started", "Upsell card charge started"),
                    ("gift_card_reserve", "Gift card reserved"),
                    ("gift_card_debit", "Gift card debited"),
                    ("gift_card_release", "Gift card released"),
                    ("recover", "Recovered from a link"),
                    ("reminder_sent", "Reminder e-mail sent"),
                    ("webhook_delivered", "Webhook delivered"),
                    ("webhook_attempt_failed", "Webhook attempt failed"),
                ],
                max_length=40,
            ),
        ),
        migrations.AlterField(
            model_name="outboxevent",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("basket.status_changed", "basket.status_changed"),
                    ("basket.abandoned", "basket.abandoned"),
                    ("basket.recovered", "basket.recovered"),
                    ("order.created", "order.created"),
                    ("completion.failed", "completion.failed"),
                    ("basket.lines_changed", "basket.lines_changed"),
                ],
                max_length=40,
            ),
        ),
        migrations.RunPython(refresh_roles, migrations.RunPython.noop),
    ]
