"""Admin actions on selected baskets: the confirmation page with a reason, and the loop
that calls one service per basket and reports what was done and what was refused."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from ..exceptions import BasketError
from ..services.actors import Actor

MAX_REFUSALS_SHOWN = 20
# A form on a basket's page names that page here, so the decision lands back on it.
RETURN_PARAMETER = "_return_to"


def return_to(request, queryset) -> HttpResponseRedirect | None:
    """Back to the page the action was chosen on (a basket's page) when it names one on this
    site and the basket still exists; None (the grid) otherwise, e.g. after a delete."""
    target = request.POST.get(RETURN_PARAMETER, "")
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe or not queryset.exists():
        return None
    return HttpResponseRedirect(target)


def run_for_each(modeladmin, request, queryset, *, verb: str, call: Callable[[int], object]):
    """Call a service for each selected basket and report done, unchanged and refused.

    ``call`` returns False when the basket was already in the wanted state."""
    done = unchanged = 0
    refused: list[str] = []
    for basket_id, guid in queryset.values_list("pk", "guid").order_by("pk"):
        try:
            changed = call(basket_id)
        except BasketError as error:
            refused.append(f"{guid}: {error.message}")
            continue
        if changed is False:
            unchanged += 1
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{verb}: {done} basket(s).", messages.SUCCESS)
    if unchanged:
        modeladmin.message_user(request, f"{unchanged} basket(s) were already done.", messages.INFO)
    for line in refused[:MAX_REFUSALS_SHOWN]:
        modeladmin.message_user(request, f"Refused {line}", messages.ERROR)
    if len(refused) > MAX_REFUSALS_SHOWN:
        more = len(refused) - MAX_REFUSALS_SHOWN
        modeladmin.message_user(request, f"... and {more} more refused.", messages.ERROR)


def decide_with_reason(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    question: str,
    verb: str,
    call: Callable[..., object],
    reason_required: bool = True,
    default_reason: str = "",
):
    """Ask for confirmation (and a reason, kept in each basket's timeline), then call
    ``call(basket_id=..., actor=..., reason=...)`` for each selected basket."""
    reason = request.POST.get("reason", "").strip() or default_reason
    confirmed = request.POST.get("confirmed") == "yes"
    if not confirmed or (reason_required and not reason):
        if confirmed:
            modeladmin.message_user(
                request, "Give a reason: it is kept in the timeline.", messages.ERROR
            )
        return TemplateResponse(
            request,
            "admin/baskets/basket/action_confirmation.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": title,
                "question": question,
                "action": action,
                "baskets": queryset.order_by("pk")[:200],
                "count": queryset.count(),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "reason_required": reason_required,
                "return_to": request.POST.get(RETURN_PARAMETER, ""),
                "opts": modeladmin.model._meta,
            },
        )
    actor = Actor.staff(request.user)
    run_for_each(
        modeladmin,
        request,
        queryset,
        verb=verb,
        call=lambda pk: call(basket_id=pk, actor=actor, reason=reason),
    )
    return return_to(request, queryset)
