"""The live business settings' words as staff read them (their names, help and sections),
for the settings page in the staff member's language. The settings themselves are defined
in ``basketops/settings.py`` (CONSTANCE_CONFIG): a setting whose words are not here shows
them in English (``tests/baskets/test_admin_language_pages.py`` lists none missing)."""

from django.utils.translation import gettext_noop

NAMES = (
    gettext_noop("Email system messages"),
    gettext_noop("Staff notification emails"),
    gettext_noop("Multiple baskets"),
    gettext_noop("Pending payment policy"),
    gettext_noop("Basket abandon after minutes"),
    gettext_noop("Abandonment retention days"),
    gettext_noop("Completion max attempts"),
    gettext_noop("Recovery link days"),
    gettext_noop("Shop name"),
    gettext_noop("Shop url"),
    gettext_noop("Shop logo url"),
    gettext_noop("Shop colour"),
    gettext_noop("Shop text colour"),
    gettext_noop("Shop contact email"),
    gettext_noop("Shop contact phone"),
    gettext_noop("Shop currencies"),
    gettext_noop("Completion requeue on sync"),
    gettext_noop("Reminder daily cap"),
    gettext_noop("Reminder consent policy"),
    gettext_noop("Reminder utm source"),
    gettext_noop("Reminder utm medium"),
    gettext_noop("Reminder utm campaign"),
    gettext_noop("Recovery digest emails"),
    gettext_noop("Basket lifetime anonymous days"),
    gettext_noop("Basket lifetime empty days"),
    gettext_noop("Timeline retention days"),
    gettext_noop("Payment result retention days"),
    gettext_noop("Outbox retention days"),
    gettext_noop("Webhook attempt retention days"),
    gettext_noop("Basket lifetime login days"),
    gettext_noop("Locked cart provider decision"),
    gettext_noop("Locked cart unlock after hours"),
)
HELP = (
    gettext_noop("E-mail system messages: send the daily staff notification."),
    gettext_noop(
        "Who gets staff notifications (comma-separated); empty: every System administrator "
        "with an e-mail address."
    ),
    gettext_noop("Shoppers may keep several baskets."),
    gettext_noop("What a pending payment result does."),
    gettext_noop("Abandonment interval in minutes."),
    gettext_noop("Days abandonments are kept."),
    gettext_noop("Completion attempts before Completion Failed."),
    gettext_noop("Days a mailed recovery link opens the basket for its recipient."),
    gettext_noop("The shop's name on the shopper pages."),
    gettext_noop("The shop's home page: every shopper page links back to it."),
    gettext_noop("The shop's logo (image URL; empty: none)."),
    gettext_noop("The shop's main colour (#rrggbb)."),
    gettext_noop("Text on the main colour (#rrggbb)."),
    gettext_noop("The shop's contact e-mail."),
    gettext_noop("The shop's contact phone."),
    gettext_noop(
        "The shop's currencies, ISO 4217 codes, comma-separated; the first is the default."
    ),
    gettext_noop(
        "Requeue a Completion Failed basket as soon as the shop's data makes its withdrawn "
        "product available again."
    ),
    gettext_noop("Reminder e-mails to one address in any 24 hours, at most."),
    gettext_noop("Who receives reminder e-mails."),
    gettext_noop("utm_source on reminder links."),
    gettext_noop("utm_medium on reminder links."),
    gettext_noop("utm_campaign on reminder links."),
    gettext_noop(
        "Staff who get the daily digest of recovered baskets (comma-separated); empty: none."
    ),
    gettext_noop("Days after the last activity an anonymous basket is deleted; 0 keeps them."),
    gettext_noop("Days after the last activity a basket without lines is deleted; 0 keeps them."),
    gettext_noop("Days the timeline of a deleted basket is kept; 0 keeps it forever."),
    gettext_noop("Days payment results are kept; 0 keeps them forever."),
    gettext_noop(
        "Days an outbox event is kept once handed on (a pending one stays); 0 keeps them."
    ),
    gettext_noop("Days each webhook request and its answer is kept; 0 keeps them forever."),
    gettext_noop(
        "Days after the last activity a basket with a login, customer or contact is deleted; "
        "0 keeps them."
    ),
    gettext_noop("What a locked cart's answer from the payment provider does."),
    gettext_noop(
        "Under auto: hours a cart whose payment failed stays Locked before it is unlocked."
    ),
)
FIELDSETS = (
    gettext_noop("E-mails"),
    gettext_noop("Baskets and payments"),
    gettext_noop("Abandonment"),
    gettext_noop("Completion"),
    gettext_noop("Shopper pages"),
    gettext_noop("Shop data"),
    gettext_noop("Reminders"),
    gettext_noop("Basket lifetimes"),
    gettext_noop("Payment providers"),
)
CHOICES = (
    gettext_noop("lock: never process pending payments, lock the cart"),
    gettext_noop("wait: keep the basket waiting for the final result"),
    gettext_noop("any: every reachable address that did not opt out"),
    gettext_noop("consented: only addresses that gave marketing consent"),
    gettext_noop("staff: show the provider's answer, staff decide"),
    gettext_noop("auto: confirm captured carts, unlock failed ones after the delay"),
)
# The settings page's own columns and buttons (django-constance's template words, which it
# does not translate into Danish or Dutch).
PAGE = (
    gettext_noop("Name"),
    gettext_noop("Default"),
    gettext_noop("Value"),
    gettext_noop("Is modified"),
    gettext_noop("Reset to default"),
    gettext_noop("Current file"),
)
