# SH-1: the shop's own updated_at on every synced row, and "active" on the parties.
# SH-2: prices per currency. Each product's and variant's single price moves into the
# shop's default currency (the first of SHOP_CURRENCIES when the migration runs); the roles
# get the new model's permissions.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from baskets.roles import roles_refresh_in_migration


def default_currency() -> str:
    codes = [code.strip().upper() for code in settings.SHOP_CURRENCIES if code.strip()]
    return codes[0] if codes else "EUR"


def prices_move(apps, schema_editor):
    currency = default_currency()
    schema_editor.execute(
        "INSERT INTO baskets_price (product_id, variant_id, currency, amount) "
        "SELECT id, NULL, %s, price FROM baskets_product",
        [currency],
    )
    schema_editor.execute(
        "INSERT INTO baskets_price (product_id, variant_id, currency, amount) "
        "SELECT product_id, id, %s, price FROM baskets_variant WHERE price IS NOT NULL",
        [currency],
    )


def prices_move_back(apps, schema_editor):
    currency = default_currency()
    schema_editor.execute(
        "UPDATE baskets_product AS product SET price = price.amount FROM baskets_price AS price "
        "WHERE price.product_id = product.id AND price.variant_id IS NULL "
        "AND price.currency = %s",
        [currency],
    )
    schema_editor.execute(
        "UPDATE baskets_variant AS variant SET price = price.amount FROM baskets_price AS price "
        "WHERE price.variant_id = variant.id AND price.currency = %s",
        [currency],
    )


def refresh_roles(apps, schema_editor):
    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('baskets', '0019_basket_lookups'),
        ("completion", "0006_abandonment_moves_out"),
        ("abandonment", "0006_abandonment_lookups"),
        ("recovery", "0006_shopper_handovers_and_text_languages"),
        ("webhooks", "0002_event_reference_only"),
        ("operations", "0001_initial"),
        ("constance", "0003_drop_pickle"),
    ]

    operations = [
        migrations.CreateModel(
            name='Price',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(max_length=3)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='prices', to='baskets.product')),
                ('variant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='prices', to='baskets.variant')),
            ],
            options={
                'ordering': ['product', 'variant', 'currency'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('variant__isnull', True)), fields=('product', 'currency'), name='price_product_currency'), models.UniqueConstraint(condition=models.Q(('variant__isnull', False)), fields=('variant', 'currency'), name='price_variant_currency'), models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='price_amount_gte_0')],
            },
        ),
        migrations.RunPython(prices_move, prices_move_back),
        migrations.RemoveField(
            model_name='product',
            name='price',
        ),
        migrations.RemoveField(
            model_name='variant',
            name='price',
        ),
        migrations.AddField(
            model_name='coupon',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='customeraccount',
            name='active',
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddField(
            model_name='customeraccount',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='giftcard',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='product',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='salesperson',
            name='active',
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddField(
            model_name='salesperson',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='shopaccount',
            name='active',
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddField(
            model_name='shopaccount',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='variant',
            name='shop_updated_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(refresh_roles, migrations.RunPython.noop),
    ]
