"""Admin actions on selected baskets: the confirmation page with a reason, then the action
(a kind registered in ``baskets.services.bulk_jobs``): on a page's worth of baskets it runs
now and reports what was done and what was refused; on more, it runs as a background job
whose page shows the progress (``bulk_jobs.py``)."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..exceptions import BasketError, BulkJobOverlap
from ..models import BulkJobAction
from ..services.actors import Actor
from ..services.bulk_jobs import bulk_action, bulk_job_overlap_refuse
from .bulk_jobs import bulk_job_start

MAX_REFUSALS_SHOWN = 20
# A form on a basket's page names that page here, so the decision lands back on it.
RETURN_PARAMETER = "_return_to"
# Kinds that always run as a job, whatever the size of the selection.
ALWAYS_AS_JOB = frozenset({BulkJobAction.DELETE})


# ... and the page "No, take me back" opens (the basket's page when the decision itself
# returns to the list).
CANCEL_PARAMETER = "_cancel_to"
# Django's name for the grid's filters a basket page was opened with.
CHANGELIST_FILTERS = "_changelist_filters"


def local_path(request, target: str) -> str:
    """``target`` when it is a path on this site, else ""."""
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def return_target(request) -> str:
    """The page the action was chosen on when the form names one on this site, else ""."""
    return local_path(request, request.POST.get(RETURN_PARAMETER, ""))


def grid_url(filters: str = "") -> str:
    """The basket grid with ``filters`` (a query string) applied."""
    changelist = reverse("admin:baskets_basket_changelist")
    return f"{changelist}?{filters}" if filters else changelist


def grid_url_from(page_path: str) -> str:
    """The grid a basket page was opened from: its ``_changelist_filters`` applied."""
    filters = QueryDict(urlsplit(page_path).query).get(CHANGELIST_FILTERS, "")
    return grid_url(filters)


def return_to(request, queryset) -> HttpResponseRedirect | None:
    """Back to the page the action was chosen on (a basket's page, or a list) when it names
    one on this site. A basket page whose basket is gone (deleted) gives way to the grid it
    was opened from, filters and page kept; None (the list the action was posted to, with
    its query string) when no page is named."""
    target = return_target(request)
    if not target:
        return None
    if urlsplit(target).path != grid_url() and not queryset.exists():
        # The basket's page went with the basket.
        return HttpResponseRedirect(grid_url_from(target))
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
        text = _("%(verb)s: %(count)d basket(s).") % {"verb": verb, "count": done}
        modeladmin.message_user(request, text, messages.SUCCESS)
    if unchanged:
        text = _("%(count)d basket(s) were already done.") % {"count": unchanged}
        modeladmin.message_user(request, text, messages.INFO)
    for line in refused[:MAX_REFUSALS_SHOWN]:
        modeladmin.message_user(request, _("Refused %(line)s") % {"line": line}, messages.ERROR)
    if len(refused) > MAX_REFUSALS_SHOWN:
        more = len(refused) - MAX_REFUSALS_SHOWN
        text = _("... and %(count)d more refused.") % {"count": more}
        modeladmin.message_user(request, text, messages.ERROR)


def bulk_action_apply(modeladmin, request, queryset, *, kind: str, reason: str = ""):
    """Apply a registered bulk action to the selection: each basket now when it fits on one
    page of the list, else (or for a delete, always) as a background job, whose page the
    answer opens at once. Either way, baskets an unfinished job holds are left to it."""
    page = modeladmin.list_per_page
    ids = list(queryset.order_by().values_list("pk", flat=True)[: page + 1])
    if kind in ALWAYS_AS_JOB or len(ids) > page:
        if len(ids) > page:
            ids = list(queryset.order_by().values_list("pk", flat=True))
        target = return_target(request)
        if target and kind == BulkJobAction.DELETE and urlsplit(target).path != grid_url():
            # A basket's page goes with the basket: the job's way back is the grid it was
            # opened from.
            target = grid_url_from(target)
        back_url = target or request.get_full_path()
        return bulk_job_start(
            modeladmin, request, ids, kind=kind, reason=reason, back_url=back_url
        )
    try:
        bulk_job_overlap_refuse(ids)
    except BulkJobOverlap as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None
    action = bulk_action(kind)
    actor = Actor.staff(request.user)
    run_for_each(
        modeladmin,
        request,
        queryset,
        verb=action.verb,
        call=lambda pk: action.call(basket_id=pk, actor=actor, reason=reason),
    )
    return return_to(request, queryset)


def decide_with_reason(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    title: str,
    question: str,
    kind: str,
    reason_required: bool = True,
    default_reason: str = "",
):
    """Ask for confirmation (and a reason, kept in each basket's timeline), then apply the
    bulk action ``kind`` to the selected baskets (``bulk_action_apply``)."""
    reason = request.POST.get("reason", "").strip() or default_reason
    confirmed = request.POST.get("confirmed") == "yes"
    if not confirmed or (reason_required and not reason):
        if confirmed:
            modeladmin.message_user(
                request, _("Give a reason: it is kept in the timeline."), messages.ERROR
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
                "return_to": return_target(request),
                "cancel_to": local_path(
                    request,
                    request.POST.get(CANCEL_PARAMETER, "")
                    or request.POST.get(RETURN_PARAMETER, ""),
                ),
                "opts": modeladmin.model._meta,
            },
        )
    return bulk_action_apply(modeladmin, request, queryset, kind=kind, reason=reason)
