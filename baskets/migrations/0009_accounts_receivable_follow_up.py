# Accounts receivable follow-up: an order's settlement; its timeline actions.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("baskets", "0008_business_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='accounts_receivable_outcome',
            field=models.CharField(blank=True, choices=[('payment_received', 'Payment received'), ('written_off', 'Written off')], db_default='', max_length=20),
        ),
        migrations.AddField(
            model_name='order',
            name='accounts_receivable_settled_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='basketevent',
            name='action',
            field=models.CharField(choices=[('create', 'Created'), ('mark_paid', 'Paid'), ('lock', 'Locked'), ('unlock', 'Unlocked'), ('confirm', 'Confirmed by staff'), ('complete', 'Completed'), ('fail_completion', 'Completion failed'), ('requeue', 'Requeued for completion'), ('finalise_unpaid', 'Upsell finalised unpaid'), ('completion_attempt_failed', 'Completion attempt failed'), ('close_completion_failure', 'Completion failure closed'), ('complete_manage_booking', 'Manage booking step completed'), ('flag_additional_information', 'Additional information supplied'), ('delete', 'Deleted'), ('receivable_paid', 'Accounts receivable: payment received'), ('receivable_written_off', 'Accounts receivable: written off'), ('payment_started', 'Payment started'), ('payment_return', 'Returned from the payment page'), ('payment_paid', 'Payment result: paid'), ('payment_pending', 'Payment result: pending'), ('payment_failed', 'Payment result: failed'), ('payment_cancelled', 'Payment result: cancelled'), ('payment_reconciliation', 'Payment result kept for reconciliation'), ('storefront_resume', 'Taken up again by the storefront'), ('enter_upsell', 'Upsell offer entered'), ('finish_upsell', 'Upsell offer finished'), ('recover', 'Recovered from a link')], max_length=40),
        ),
    ]
