"""Shopper-facing recovery links (SPEC section 4, SH-3): ``/basket/recover/<guid>/``.

AC-6: a GET only shows the basket's lines and what recovering it would change, with a
button that POSTs (with the CSRF token) to the same URL; only that POST recovers the basket
(``recovery.services.basket_recover``), changes its owner or the shopper's list, and then
directs the shopper to the basket page, ``/basket/``, with a message for everything that
changed (RL-2). A GET writes nothing, not even a session.

SH-3: a link the product mailed carries a token (``recovery.links``) proving its recipient:
a login's link signs that login in on the POST, with no password. A basket the visitor may
not recover (a login's basket with no token or another's, a token tampered with, expired,
for another basket or another recipient) gets exactly the answer an unknown GUID gets
(AC-7), which offers the shop's login; the shop then hands the shopper over
(``/basket/handover/<token>/``). A refusal of a basket the visitor may recover is a page
with a 4xx status and the staff-editable text (RL-7).
"""

from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import pgettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from basketops.business import business_setting
from baskets.exceptions import BasketNotFound, InvalidGuid
from baskets.models import Status
from baskets.selectors import basket_addresses_for_shopper, guid_parse

from .exceptions import LoginNeeded, RecoveryRefused
from .handover import shopper_handover_use
from .languages import basket_for_language, basket_language_activate, shopper_page
from .links import (
    LINK_TOKEN_PARAMETER,
    LinkRecipient,
    checkout_url,
    recover_path,
    recovery_link_recipient,
    shop_login_url,
)
from .selectors import basket_page_lines, shopper_baskets
from .services import RecoveryPreview, basket_recovery_preview, reminders_opt_out
from .services import basket_recover as basket_recover_service
from .shoppers import (
    Shopper,
    login_shopper,
    shopper_from_request,
    shopper_sign_in,
    visitor_token,
)
from .texts import text_render
from .unsubscribe import unsubscribe_target

# PV-5: a basket's status as the shopper reads it (the page shows only those not Active).
STATUS_LABELS = {
    Status.LOCKED: pgettext_lazy("basket status", "locked"),
    Status.AWAITING_COMPLETION: pgettext_lazy("basket status", "being completed"),
    Status.COMPLETED: pgettext_lazy("basket status", "ordered"),
    Status.COMPLETION_FAILED: pgettext_lazy("basket status", "being completed"),
}

# The shop's current location follows the recovered basket's (RL-1).
LOCATION_SESSION_KEY = "shop_location"


def _message_page(
    request: HttpRequest, key: str, guid: str, status: int, *, login_url: str = ""
) -> HttpResponse:
    text = text_render(key, guid=guid[:60])
    context = {"message": text, "key": key, "login_url": login_url}
    return render(request, "recovery/message.html", context, status=status)


def _not_available(request: HttpRequest, guid: str) -> HttpResponse:
    """AC-7 SH-3: the one answer for every basket this visitor may not open, the same as
    for a GUID no basket has; it offers the shop's login."""
    return _message_page(request, "basket_NotAvailable", guid, 404, login_url=shop_login_url(guid))


def _link_shopper(
    signed_in: Shopper, link: LinkRecipient | None
) -> Shopper | None:
    """Who opens the link: its login recipient when the token names one (None when another
    login is signed in here), else whoever is signed in to this session."""
    if link is None or link.shop_account is None:
        return signed_in
    if signed_in.is_login and signed_in.shop_account.pk != link.shop_account.pk:
        return None
    if signed_in.is_login:
        return signed_in
    return login_shopper(link.shop_account)


@shopper_page
@require_http_methods(["GET", "POST"])
def basket_recover(request: HttpRequest, guid: str) -> HttpResponse:
    """RL-1 .. RL-7, SH-3, AC-6: show the basket (GET), recover it (POST)."""
    try:
        parsed = guid_parse(guid)
    except InvalidGuid:
        return _message_page(request, "basket_InvalidGuid", guid, 400)
    canonical = str(parsed)
    posting = request.method == "POST"
    signed_in = shopper_from_request(request, create_token=False)
    link = None
    token = request.GET.get(LINK_TOKEN_PARAMETER)
    if token is not None:
        link = recovery_link_recipient(token, parsed)
        if link is None:
            return _not_available(request, canonical)
    shopper = _link_shopper(signed_in, link)
    if shopper is None:
        return _not_available(request, canonical)
    try:
        preview = basket_recovery_preview(guid=parsed, shopper=shopper, link=link)
        basket_language_activate(preview.basket)
        if not posting:
            return _confirmation_page(request, preview)
        if not shopper.is_login:
            # Only now, for a basket this visitor may recover, does the session get a list.
            shopper = replace(shopper, visitor_token=visitor_token(request, create=True))
        recovery = basket_recover_service(guid=parsed, shopper=shopper, link=link)
    except (BasketNotFound, LoginNeeded):
        return _not_available(request, canonical)
    except RecoveryRefused as refusal:
        # Ordered, locked or being completed: a basket this visitor may open, so its own
        # language is no secret.
        basket_language_activate(basket_for_language(refusal.basket_id))
        return _message_page(request, refusal.code, refusal.guid, refusal.http_status)
    if shopper.is_login and not signed_in.is_login:
        # SH-3: the mailed token proved this login; this browser is now signed in as it.
        shopper_sign_in(request, shop_account=shopper.shop_account)
    basket = recovery.basket
    if basket.location:
        request.session[LOCATION_SESSION_KEY] = basket.location
    for notice in recovery.notices:
        messages.info(request, notice)
    return HttpResponseRedirect(reverse("recovery:basket"))


def _confirmation_page(request: HttpRequest, preview: RecoveryPreview) -> HttpResponse:
    """AC-6: the lines only (no codes, addresses or choices: a GUID is not a key) and what
    the button would change; the multiple-baskets setting is the live one the POST uses."""
    basket = preview.basket
    context = {
        "basket": basket,
        "lines": basket_page_lines(basket),
        "takes": preview.takes,
        "displaces": preview.displaces,
        "multiple_baskets": business_setting("MULTIPLE_BASKETS"),
    }
    return render(request, "recovery/confirm.html", context)


@shopper_page
@require_GET
def basket_recover_legacy(request: HttpRequest) -> HttpResponse:
    """The legacy form ``/baction/rb.aspx?guid=<guid>`` leads to the same place (with a
    mailed link's token, when it has one)."""
    raw = request.GET.get("guid", "")
    try:
        guid = guid_parse(raw)
    except InvalidGuid:
        return _message_page(request, "basket_InvalidGuid", raw, 400)
    target = recover_path(guid)
    token = request.GET.get(LINK_TOKEN_PARAMETER)
    if token is not None:
        target = f"{target}?{urlencode({LINK_TOKEN_PARAMETER: token})}"
    return HttpResponseRedirect(target)


@shopper_page
@require_GET
def shopper_handover(request: HttpRequest, token: str) -> HttpResponse:
    """SH-3: the shop's one-time URL signs its logged-in shopper in and leads on (the basket
    page, or the recovery link the shopper came from). Used, expired or unknown: 404."""
    handover = shopper_handover_use(token)
    if handover is None:
        return _message_page(request, "basket_HandoverInvalid", "", 404, login_url=shop_login_url())
    shopper_sign_in(
        request,
        shop_account=handover.shop_account,
        customer_account=handover.customer_account,
    )
    return HttpResponseRedirect(handover.next_path)


@shopper_page
@require_GET
def basket_current(request: HttpRequest) -> HttpResponse:
    """The basket page: the shopper's current basket, and with multiple baskets the others."""
    shopper = shopper_from_request(request, create_token=False)
    entries = list(shopper_baskets(shopper))
    current = next((entry.basket for entry in entries if entry.deactivated_at is None), None)
    others = [entry.basket for entry in entries if entry.deactivated_at is not None]
    basket_language_activate(current)
    context = {
        "basket": current,
        "addresses": basket_addresses_for_shopper(current) if current is not None else None,
        # RL-1 / IN-5: on into the shop's checkout with this basket.
        "checkout_url": (
            checkout_url(current.guid, visitor_token=shopper.visitor_token)
            if current is not None
            else ""
        ),
        "lines": basket_page_lines(current) if current is not None else [],
        "editable": current is not None and current.status == Status.ACTIVE,
        "status_label": STATUS_LABELS.get(current.status, "") if current is not None else "",
        "other_baskets": [
            (basket, recover_path(basket.guid))
            for basket in others
        ],
        "multiple_baskets": business_setting("MULTIPLE_BASKETS"),
        "shop_location": request.session.get(LOCATION_SESSION_KEY, ""),
    }
    return render(request, "recovery/basket.html", context)


# RFC 8058: a mail client's one-click POST carries no CSRF token; the secret in the link is
# what authorises it. Only this view is exempt.
@csrf_exempt
@shopper_page
@require_http_methods(["GET", "POST"])
def reminders_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """AB-4, AC-6: GET shows a confirmation page and changes nothing (mail scanners and
    link previews open links); POST, from its button or a one-click mail client, opts the
    login or the guest's address out of reminders."""
    target = unsubscribe_target(token)
    if target is None:
        return _message_page(request, "basket_UnsubscribeInvalid", "", 400)
    if request.method == "GET":
        return render(request, "recovery/unsubscribe.html", {"action": request.path})
    if not reminders_opt_out(target=target):
        return _message_page(request, "basket_UnsubscribeInvalid", "", 400)
    return _message_page(request, "basket_Unsubscribed", "", 200)
