"""PV-1 / PV-2 / PV-5: indexes for one sequence per address and the daily cap; the
addresses suppressed after a bounce or complaint; steps' coupon incentives; the daily recovery digest's claims; step texts
in Danish, Dutch and German. The default sequence's body (which listed the lines and the
link itself, and greeted with a shopper-typed name) becomes a neutral greeting; the mail's
layout now adds the lines, total, link and footer. Steps staff changed are left alone."""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models

from baskets.roles import roles_refresh_in_migration

OLD_BODY = """Hello {{ name }},

you left these items in your basket:
{% for line in lines %}
  {{ line.quantity }} x {{ line.name }}{% if line.variant_id %} ({{ line.variant_id }}){% endif %}  {{ line.unit_price }} {{ currency }}{% endfor %}

Total: {{ total }} {{ currency }}

Get your basket back with this link:
{{ Basket.BasketUrl }}

Prices and availability are checked again when you open it.

(Basket {{ Basket.BasketGUID }})
"""
BODIES = {
    "en": "{{ greeting }}\n\nyou left these items in your basket at {{ shop.name }}; they are "
    "still waiting for you. Prices and availability are checked again when you open it.",
    "da": "{{ greeting }}\n\ndu har efterladt disse varer i din kurv hos {{ shop.name }}; de "
    "venter stadig på dig. Priser og tilgængelighed kontrolleres igen, når du åbner den.",
    "nl": "{{ greeting }}\n\nje hebt deze artikelen in je winkelmandje bij {{ shop.name }} "
    "laten liggen; ze wachten nog op je. Prijzen en beschikbaarheid worden opnieuw "
    "gecontroleerd wanneer je het opent.",
    "de": "{{ greeting }}\n\nSie haben diese Artikel in Ihrem Warenkorb bei {{ shop.name }} "
    "gelassen; sie warten noch auf Sie. Preise und Verfügbarkeit werden beim Öffnen erneut "
    "geprüft.",
}
SUBJECTS = {
    "You left something in your basket": {
        "da": "Du har glemt noget i din kurv",
        "nl": "Je hebt iets in je winkelmandje laten liggen",
        "de": "Sie haben etwas in Ihrem Warenkorb vergessen",
    },
    "Your basket is still waiting for you": {
        "da": "Din kurv venter stadig på dig",
        "nl": "Je winkelmandje wacht nog op je",
        "de": "Ihr Warenkorb wartet noch auf Sie",
    },
    "Last reminder: your basket": {
        "da": "Sidste påmindelse: din kurv",
        "nl": "Laatste herinnering: je winkelmandje",
        "de": "Letzte Erinnerung: Ihr Warenkorb",
    },
}


def default_texts(apps, schema_editor):
    step_model = apps.get_model("abandonment", "ReminderStep")
    text_model = apps.get_model("abandonment", "ReminderStepText")
    for step in step_model.objects.filter(body=OLD_BODY, subject__in=list(SUBJECTS)):
        step.body = BODIES["en"]
        step.save(update_fields=["body"])
        for language, subject in SUBJECTS[step.subject].items():
            text_model.objects.get_or_create(
                step=step, language=language,
                defaults={"subject": subject, "body": BODIES[language]},
            )
    roles_refresh_in_migration(apps)



class Migration(migrations.Migration):

    dependencies = [
        ('abandonment', '0006_abandonment_lookups'),
        ('baskets', '0021_basket_consent_coupons'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReminderStepText',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('language', models.CharField(choices=[('da', 'Danish'), ('nl', 'Dutch'), ('de', 'German')], max_length=8)),
                ('subject', models.CharField(max_length=200)),
                ('body', models.TextField()),
            ],
            options={
                'verbose_name': 'text in another language',
                'verbose_name_plural': 'texts in other languages',
                'ordering': ['step', 'language'],
            },
        ),
        migrations.AddIndex(
            model_name='remindersend',
            index=models.Index(django.db.models.functions.text.Upper('email'), models.F('sent_at'), name='reminder_send_email_upper'),
        ),
        migrations.AddField(
            model_name='remindersteptext',
            name='step',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='texts', to='abandonment.reminderstep'),
        ),
        migrations.AddConstraint(
            model_name='remindersteptext',
            constraint=models.UniqueConstraint(fields=('step', 'language'), name='reminder_step_text_once'),
        ),
        migrations.CreateModel(
            name='ReminderSuppression',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, unique=True)),
                ('reason', models.CharField(choices=[('bounced', 'Bounced'), ('complained', 'Complained (marked as spam)'), ('manual', 'Added by staff')], max_length=12)),
                ('suppressed_at', models.DateTimeField()),
                ('source', models.CharField(blank=True, max_length=100)),
                ('detail', models.CharField(blank=True, max_length=300)),
            ],
            options={
                'verbose_name': 'suppressed address',
                'verbose_name_plural': 'suppressed addresses',
                'ordering': ['-suppressed_at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('email', django.db.models.functions.text.Lower('email'))), name='reminder_suppression_lower_case')],
            },
        ),
        migrations.AddField(
            model_name='remindersend',
            name='coupon_code',
            field=models.CharField(blank=True, db_default='', default='', max_length=40),
        ),
        migrations.AddField(
            model_name='reminderstep',
            name='coupon_amount_off',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name='reminderstep',
            name='coupon_percent_off',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name='reminderstep',
            name='coupon_valid_days',
            field=models.PositiveSmallIntegerField(default=7),
        ),
        migrations.AddConstraint(
            model_name='reminderstep',
            constraint=models.CheckConstraint(condition=models.Q(('coupon_percent_off__isnull', True), ('coupon_amount_off__isnull', True), _connector='OR'), name='reminder_step_one_incentive'),
        ),
        migrations.AddConstraint(
            model_name='reminderstep',
            constraint=models.CheckConstraint(condition=models.Q(('coupon_percent_off__isnull', True), models.Q(('coupon_percent_off__gt', 0), ('coupon_percent_off__lte', 100)), _connector='OR'), name='reminder_step_percent_range'),
        ),
        migrations.AddConstraint(
            model_name='reminderstep',
            constraint=models.CheckConstraint(condition=models.Q(('coupon_amount_off__isnull', True), ('coupon_amount_off__gt', 0), _connector='OR'), name='reminder_step_amount_positive'),
        ),
    
        migrations.CreateModel(
            name='RecoveryDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True)),
                ('sent_at', models.DateTimeField()),
                ('recovered', models.PositiveIntegerField(default=0)),
            ],
            options={
                'ordering': ['-day'],
            },
        ),
    
        migrations.RunPython(default_texts, migrations.RunPython.noop),
    ]
