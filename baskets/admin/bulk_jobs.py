"""BM-1: staff bulk actions over many baskets as background jobs, and the job's page
(progress bar, count, refusals per basket; it keeps the result once the job is done)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from ..exceptions import BulkJobOverlap
from ..models import BasketBulkJob, BulkJobStatus
from ..services.actors import Actor
from ..services.bulk_jobs import basket_bulk_job_start, bulk_job_label, bulk_job_verb

REFUSALS_SHOWN = 500


def bulk_job_redirect(job: BasketBulkJob) -> HttpResponseRedirect:
    """Where a started job sends the staff member: its page."""
    return HttpResponseRedirect(reverse("admin:baskets_basket_bulk_job", args=[job.pk]))


def bulk_job_start(
    modeladmin, request, basket_ids: list[int], *, kind: str, reason: str, back_url: str
):
    """Record the action over ``basket_ids`` as a job and show its page at once; a selection
    another unfinished job holds is refused with a message (None: back to the list)."""
    try:
        job = basket_bulk_job_start(
            action=kind,
            basket_ids=basket_ids,
            actor=Actor.staff(request.user),
            reason=reason,
            back_url=back_url,
        )
    except BulkJobOverlap as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        _("%(action)s: %(total)s basket(s), in the background (job #%(job)s).")
        % {"action": bulk_job_label(job), "total": job.total, "job": job.pk},
        messages.INFO,
    )
    return bulk_job_redirect(job)


def bulk_job_view(modeladmin, request, job_id: int):
    """The job's progress and result; it reloads itself while the job works."""
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    job = BasketBulkJob.objects.defer("basket_ids").filter(pk=job_id).first()
    if job is None:
        raise Http404(_("No such job."))
    return TemplateResponse(
        request,
        "admin/baskets/basket/bulk_job.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": _("%(action)s: job #%(job)s") % {"action": bulk_job_label(job), "job": job.pk},
            "job": job,
            "verb": bulk_job_verb(job),
            "back_url": job.back_url or reverse("admin:baskets_basket_changelist"),
            "working": job.status != BulkJobStatus.DONE,
            "refusals": job.refusals[:REFUSALS_SHOWN],
            "more_refusals": max(0, len(job.refusals) - REFUSALS_SHOWN),
        },
    )
