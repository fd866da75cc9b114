"""RL-7: the default shop texts as rows staff can edit; staff roles get the new models."""

from django.db import migrations

# A copy of recovery.texts.DEFAULT_TEXTS as it was when this migration was written.
DEFAULTS = {
    "basket_AlreadyOrdered": (
        "The basket with GUID [BasketGuid] is not available, because it has already been "
        "completed as an order."
    ),
    "basket_NotAvailable": (
        "The basket with GUID [BasketGuid] is not available. It may have been deleted, or "
        "the link may be incomplete."
    ),
    "basket_InvalidGuid": (
        "“[BasketGuid]” is not a valid basket link. Check that you copied the whole link."
    ),
    "basket_Locked": (
        "The basket with GUID [BasketGuid] is waiting for its payment to be checked and "
        "cannot be changed right now. Please contact us if it takes long."
    ),
    "basket_BeingCompleted": (
        "The basket with GUID [BasketGuid] has been paid and is being completed as an order."
    ),
    "basket_LoginRequired": (
        "The basket with GUID [BasketGuid] belongs to a login. Log in as its owner to get it "
        "back."
    ),
    "basket_NotYours": (
        "The basket with GUID [BasketGuid] belongs to another login. Log in as its owner to "
        "get it back."
    ),
    "basket_Unsubscribed": "You will not receive basket reminder e-mails any more.",
    "basket_UnsubscribeInvalid": (
        "This unsubscribe link is not valid. Check that you copied the whole link."
    ),
}


def texts_add(apps, schema_editor):
    ApplicationText = apps.get_model("recovery", "ApplicationText")
    for key, text in DEFAULTS.items():
        ApplicationText.objects.get_or_create(key=key, defaults={"text": text})


def roles_refresh(apps, schema_editor):
    from baskets.roles import roles_refresh_in_migration

    roles_refresh_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("recovery", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(texts_add, migrations.RunPython.noop),
        migrations.RunPython(roles_refresh, migrations.RunPython.noop),
    ]
