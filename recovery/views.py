"""Shopper-facing recovery links (SPEC section 4): ``/basket/recover/<guid>/``."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from baskets.exceptions import BasketNotFound, InvalidGuid
from baskets.models import Status
from baskets.selectors import basket_get

# RL-7 default texts; [BasketGuid] is replaced with the basket's GUID.
TEXTS = {
    "basket_NotAvailable": "The basket with GUID [BasketGuid] is not available.",
    "basket_AlreadyOrdered": (
        "The basket with GUID [BasketGuid] is not available, because it has already been "
        "completed as an order."
    ),
    "basket_InvalidGuid": "“[BasketGuid]” is not a valid basket link.",
}


def _message(request: HttpRequest, key: str, guid: str, status: int) -> HttpResponse:
    text = TEXTS[key].replace("[BasketGuid]", guid[:60])
    return render(request, "recovery/message.html", {"message": text, "key": key}, status=status)


def basket_recover(request: HttpRequest, guid: str) -> HttpResponse:
    try:
        basket = basket_get(guid=guid)
    except InvalidGuid:
        return _message(request, "basket_InvalidGuid", guid, 400)
    except BasketNotFound:
        return _message(request, "basket_NotAvailable", guid, 404)
    if basket.status == Status.COMPLETED:
        return _message(request, "basket_AlreadyOrdered", str(basket.guid), 410)
    owner = basket.shop_account.user_id if basket.shop_account_id else None
    if owner is not None and owner != request.user.pk:
        # RL-3: only the owning login; after logging in as the owner the shopper lands here.
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?{query}")
    return render(request, "recovery/basket.html", {"basket": basket, "lines": basket.lines.all()})


def basket_recover_legacy(request: HttpRequest) -> HttpResponse:
    """The legacy form ``/baction/rb.aspx?guid=<guid>`` leads to the same place."""
    guid = request.GET.get("guid", "")
    if not guid:
        return _message(request, "basket_InvalidGuid", "", 400)
    return HttpResponseRedirect(reverse("recovery:recover", kwargs={"guid": guid}))
