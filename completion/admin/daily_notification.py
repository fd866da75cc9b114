"""LC-5 on demand: System administrators (who change the live settings) send the daily staff
e-mail now, e.g. on day one before its hour, and read why when it cannot go."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from baskets.selectors import staff_notification_recipients

from ..services.daily_report import daily_notification_refusal, daily_notification_send

# Who may send it: whoever may change the live business settings.
SEND_PERMISSION = "constance.change_config"


def daily_notification_may_send(user) -> bool:
    return user.has_perm(SEND_PERMISSION)


def daily_notification_send_view(request):
    """POST only; back to the dashboard with what happened."""
    if request.method != "POST" or not daily_notification_may_send(request.user):
        raise PermissionDenied
    refusal = daily_notification_refusal()
    if refusal:
        messages.error(
            request, _("The daily staff e-mail was not sent. %(why)s") % {"why": refusal}
        )
    elif daily_notification_send():
        recipients = ", ".join(staff_notification_recipients())
        messages.success(
            request,
            _("The daily staff e-mail was sent to %(recipients)s.") % {"recipients": recipients},
        )
    else:
        messages.info(
            request,
            _(
                "Nothing to report: no locked carts, Completion Failed baskets, baskets waiting "
                "too long, payments to reconcile or unpaid orders; no e-mail was sent."
            ),
        )
    return HttpResponseRedirect(reverse("admin:index"))
