"""Shopper-facing recovery links (SPEC section 4): ``/basket/recover/<guid>/``.

The link recovers the basket (``recovery.services.basket_recover``) and directs the shopper
to the basket page, ``/basket/``, with a message for everything that changed (RL-2). A
refusal is a page with a 4xx status and the staff-editable text (RL-7); a basket only
another login may recover sends the shopper to log in, then back to the link (RL-3).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from basketops.business import business_setting
from baskets.exceptions import BasketNotFound, InvalidGuid
from baskets.models import Status
from baskets.selectors import basket_addresses_for_shopper, basket_get, guid_parse

from .exceptions import ConfirmationNeeded, LoginNeeded, RecoveryRefused
from .links import checkout_url
from .selectors import basket_page_lines, shopper_baskets
from .services import basket_recover as basket_recover_service
from .services import reminders_opt_out
from .shoppers import shopper_from_request
from .texts import text_render
from .unsubscribe import unsubscribe_target

# The shop's current location follows the recovered basket's (RL-1).
LOCATION_SESSION_KEY = "shop_location"


def _message_page(request: HttpRequest, key: str, guid: str, status: int) -> HttpResponse:
    text = text_render(key, guid=guid[:60])
    return render(
        request, "recovery/message.html", {"message": text, "key": key}, status=status
    )


@require_http_methods(["GET", "POST"])
def basket_recover(request: HttpRequest, guid: str) -> HttpResponse:
    """RL-1 .. RL-7: recover the basket and show the basket page.

    AC-6: a GET never moves a basket into the visitor's account nor displaces their current
    basket: it shows the basket with a button that POSTs (with the CSRF token) to confirm.
    A GET that changes neither (a first basket, or one already theirs) recovers at once."""
    shopper = shopper_from_request(request)
    try:
        recovery = basket_recover_service(
            guid=guid, shopper=shopper, confirmed=request.method == "POST"
        )
    except ConfirmationNeeded as question:
        return _confirmation_page(request, question)
    except InvalidGuid:
        return _message_page(request, "basket_InvalidGuid", guid, 400)
    except BasketNotFound:
        return _message_page(request, "basket_NotAvailable", guid, 404)
    except LoginNeeded as refusal:
        messages.warning(request, text_render(refusal.code, guid=refusal.guid))
        link = reverse("recovery:recover", kwargs={"guid": refusal.guid})
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': link})}")
    except RecoveryRefused as refusal:
        return _message_page(request, refusal.code, refusal.guid, refusal.http_status)
    basket = recovery.basket
    if basket.location:
        request.session[LOCATION_SESSION_KEY] = basket.location
    for notice in recovery.notices:
        messages.info(request, notice)
    return HttpResponseRedirect(reverse("recovery:basket"))


def _confirmation_page(request: HttpRequest, question: ConfirmationNeeded) -> HttpResponse:
    basket = basket_get(guid=question.guid)
    context = {
        "basket": basket,
        "lines": basket_page_lines(basket),
        "takes": question.takes,
        "displaces": question.displaces,
        "multiple_baskets": settings.MULTIPLE_BASKETS,
    }
    return render(request, "recovery/confirm.html", context)


@require_GET
def basket_recover_legacy(request: HttpRequest) -> HttpResponse:
    """The legacy form ``/baction/rb.aspx?guid=<guid>`` leads to the same place."""
    raw = request.GET.get("guid", "")
    try:
        guid = guid_parse(raw)
    except InvalidGuid:
        return _message_page(request, "basket_InvalidGuid", raw, 400)
    return HttpResponseRedirect(reverse("recovery:recover", kwargs={"guid": str(guid)}))


@require_GET
def basket_current(request: HttpRequest) -> HttpResponse:
    """The basket page: the shopper's current basket, and with multiple baskets the others."""
    shopper = shopper_from_request(request, create_token=False)
    entries = list(shopper_baskets(shopper))
    current = next((entry.basket for entry in entries if entry.deactivated_at is None), None)
    others = [entry.basket for entry in entries if entry.deactivated_at is not None]
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
        "status_label": Status(current.status).label if current is not None else "",
        "other_baskets": [
            (basket, reverse("recovery:recover", kwargs={"guid": str(basket.guid)}))
            for basket in others
        ],
        "multiple_baskets": business_setting("MULTIPLE_BASKETS"),
        "shop_location": request.session.get(LOCATION_SESSION_KEY, ""),
    }
    return render(request, "recovery/basket.html", context)


# RFC 8058: a mail client's one-click POST carries no CSRF token; the secret in the link is
# what authorises it. Only this view is exempt.
@csrf_exempt
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
