"""The erasure registry covers every table that may hold a shopper's data (SPEC PV-3): a
table added later with an e-mail, name, phone, address or IP column fails here until it has
an entry (or a reason it holds none), and the fields the access rule calls personal are
among those each entry erases."""

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from shopper_data.registry import REGISTRY, registry_missing, registry_uncovered


def test_every_table_with_a_personal_looking_column_has_an_entry():
    """SPEC: PV-3 — the scan of every installed model finds none left out."""
    assert registry_missing(apps.get_models()) == []


@isolate_apps("shopper_data")
def test_a_new_table_with_personal_data_is_caught():
    """SPEC: PV-3 — a table added without an entry is named."""

    class CallbackRequest(models.Model):  # noqa: DJ008 - never shown
        phone_number = models.CharField(max_length=30)

        class Meta:
            app_label = "shopper_data"

    class Newsletter(models.Model):  # noqa: DJ008 - never shown
        subscriber = models.EmailField()

        class Meta:
            app_label = "shopper_data"

    class Tally(models.Model):  # noqa: DJ008 - never shown
        count = models.IntegerField()

        class Meta:
            app_label = "shopper_data"

    assert registry_missing([CallbackRequest, Newsletter, Tally]) == [
        "shopper_data.callbackrequest",
        "shopper_data.newsletter",
    ]


def test_the_access_rules_personal_fields_are_all_erased():
    """SPEC: PV-3 AC-1 — one list of personal fields: each the access rule hides is erased."""
    assert registry_uncovered() == {}


def test_the_reminder_tables_are_in_the_registry():
    """SPEC: PV-2 PV-3 — reminder sends, opt-outs, suppressions and issued coupons."""
    labels = {entry.label for entry in REGISTRY}
    assert {
        "abandonment.ReminderSend",
        "abandonment.ReminderSuppression",
        "recovery.ReminderOptOut",
        "recovery.UnsubscribeToken",
        "baskets.Coupon",
    } <= labels
