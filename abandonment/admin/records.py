"""Captured abandonments (AB-1), reminders sent by hand (AB-4), and the rates, recovered
revenue and most abandoned products (AB-6)."""

from django.contrib import admin, messages

from baskets.access import personal_data_visible
from baskets.admin.paging import CappedCountPaginator
from baskets.services.actors import Actor

from ..models import Abandonment
from ..selectors import abandonment_stats
from ..services.reminders import abandonment_reminder_send_now

COLUMNS = (
    "basket_guid",
    "captured_at",
    "last_activity_at",
    "total",
    "currency",
    "reminders_sent",
    "reminded_at",
    "recovered_at",
)
# AC-1: shown only to staff who may see shop-account personal data.
PERSONAL_COLUMNS = ("name", "email")


@admin.register(Abandonment)
class AbandonmentAdmin(admin.ModelAdmin):
    list_display = COLUMNS
    list_filter = ("recovered_at", "reminded_at")
    date_hierarchy = "captured_at"
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/abandonment/abandonment/change_list.html"
    actions = ["reminder_send_now"]

    def get_list_display(self, request):
        if personal_data_visible(request.user):
            return (*COLUMNS[:3], *PERSONAL_COLUMNS, *COLUMNS[3:])
        return COLUMNS

    def get_exclude(self, request, obj=None):
        if personal_data_visible(request.user):
            return ()
        return ("name", "email", "shop_account_email", "reminder_email", "payment_address")

    def changelist_view(self, request, extra_context=None):
        """AB-6: abandonment and recovery rates and the most abandoned products, for the
        abandonments the list shows."""
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["stats"] = abandonment_stats(changelist.queryset)
        return response

    @admin.action(permissions=["view"], description="Send the next reminder e-mail now")
    def reminder_send_now(self, request, queryset):
        """AB-4: the next step of each selected abandonment's sequence, by hand."""
        actor = Actor.staff(request.user)
        sent = refused = 0
        for abandonment_id in queryset.values_list("pk", flat=True):
            if abandonment_reminder_send_now(abandonment_id=abandonment_id, actor=actor):
                sent += 1
            else:
                refused += 1
        if sent:
            self.message_user(request, f"{sent} reminder(s) sent.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} not sent: the shopper came back, ordered or opted out, has no "
                "e-mail, or had every step of the sequence already.",
                messages.WARNING,
            )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
