"""RL-7: the shop messages of basket recovery, editable by staff (Application texts).

Each text may hold the shortcode ``[BasketGuid]`` (any letter case), replaced with the GUID
of the basket the shopper tried to recover. PV-5: staff edit each language's text; a
language with no edited text speaks the default, translated.
"""

import re

from django.utils import translation
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _

from .models import ApplicationText

SHORTCODE = re.compile(r"\[BasketGuid\]", re.IGNORECASE)

# The defaults; the migration copies them into ApplicationText rows for staff to edit.
DEFAULT_TEXTS: dict[str, StrPromise] = {
    "basket_AlreadyOrdered": _(
        "The basket with GUID [BasketGuid] is not available, because it has already been "
        "completed as an order."
    ),
    "basket_NotAvailable": _(
        "The basket with GUID [BasketGuid] is not available. It may have been deleted, or "
        "the link may be incomplete."
    ),
    "basket_InvalidGuid": _(
        "“[BasketGuid]” is not a valid basket link. Check that you copied the whole link."
    ),
    "basket_Locked": _(
        "The basket with GUID [BasketGuid] is waiting for its payment to be checked and "
        "cannot be changed right now. Please contact us if it takes long."
    ),
    "basket_BeingCompleted": _(
        "The basket with GUID [BasketGuid] has been paid and is being completed as an order."
    ),
    "basket_LoginRequired": _(
        "The basket with GUID [BasketGuid] belongs to a login. Log in as its owner to get it "
        "back."
    ),
    "basket_NotYours": _(
        "The basket with GUID [BasketGuid] belongs to another login. Log in as its owner to "
        "get it back."
    ),
    "basket_HandoverInvalid": _(
        "This sign-in link has been used already or has expired. Please log in to the shop "
        "again."
    ),
    "basket_Unsubscribed": _("You will not receive basket reminder e-mails any more."),
    # Seed 004: the mail asking a customer whose card charge failed for a new card
    # ([OrderNumber], [CardLink] and [BasketGuid] are filled in).
    "receivable_CardRequestSubject": _("Your order [OrderNumber]: please give us a new card"),
    "receivable_CardRequestBody": _(
        "We could not charge your card for order [OrderNumber]. Please give us a new card "
        "here so that we can complete it: [CardLink]\n\nThank you."
    ),
    "basket_UnsubscribeInvalid": _(
        "This unsubscribe link is not valid. Check that you copied the whole link."
    ),
}


def text_render(key: str, *, guid: str = "") -> str:
    """The text for ``key`` in the active language (staff's version, else the translated
    default) with the GUID filled in."""
    language = (translation.get_language() or "en").split("-")[0]
    text = (
        ApplicationText.objects.filter(key=key, language=language)
        .values_list("text", flat=True)
        .first()
    )
    if text is None:
        text = str(DEFAULT_TEXTS[key])
    return SHORTCODE.sub(lambda _match: guid, text)
