"""BM-1: the grid's bulk delete as a background job, and the job's page (progress bar,
count, refusals per basket; it keeps the result once the job is done)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..exceptions import BulkJobOverlap
from ..models import BasketBulkJob, BulkJobAction, BulkJobStatus
from ..services.actors import Actor
from ..services.bulk_jobs import basket_bulk_job_start

REFUSALS_SHOWN = 500


def bulk_delete_start(modeladmin, request, queryset, *, reason: str):
    """Record the deletion of every selected basket as a job and show its page at once; a
    selection another unfinished job holds is refused with a message."""
    basket_ids = list(queryset.order_by().values_list("pk", flat=True))
    try:
        job = basket_bulk_job_start(
            action=BulkJobAction.DELETE,
            basket_ids=basket_ids,
            actor=Actor.staff(request.user),
            reason=reason,
        )
    except BulkJobOverlap as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None
    modeladmin.message_user(
        request,
        f"Deleting {job.total} basket(s) in the background (job #{job.pk}).",
        messages.INFO,
    )
    return HttpResponseRedirect(reverse("admin:baskets_basket_bulk_job", args=[job.pk]))


def bulk_job_view(modeladmin, request, job_id: int):
    """The job's progress and result; it reloads itself while the job works."""
    if not modeladmin.has_view_permission(request):
        raise PermissionDenied
    job = BasketBulkJob.objects.defer("basket_ids").filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return TemplateResponse(
        request,
        "admin/baskets/basket/bulk_job.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": f"{job.get_action_display()}: job #{job.pk}",
            "job": job,
            "working": job.status != BulkJobStatus.DONE,
            "refusals": job.refusals[:REFUSALS_SHOWN],
            "more_refusals": max(0, len(job.refusals) - REFUSALS_SHOWN),
        },
    )
