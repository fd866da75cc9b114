"""Webhook endpoints and deliveries in the admin, for System administrators only (IN-1)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from baskets.models import EventType
from baskets.roles import ADMINISTRATOR

from .exceptions import EndpointInvalid
from .models import WebhookDelivery, WebhookEndpoint
from .selectors import delivery_attempt_list, endpoint_attempt_list
from .services import (
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_test_send,
)
from .services.endpoints import endpoint_event_types_validate, endpoint_url_validate


def is_system_administrator(request: HttpRequest) -> bool:
    """Asked for each model on every admin page (the menu): one query per request at most."""
    cached = getattr(request, "_webhooks_system_administrator", None)
    if cached is None:
        user = request.user
        cached = bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR).exists())
        )
        request._webhooks_system_administrator = cached
    return cached


class SystemAdministratorOnly:
    """Endpoints hold signing secrets and decide where data goes: System administrators only."""

    def has_module_permission(self, request):
        return is_system_administrator(request)

    def has_view_permission(self, request, obj=None):
        return is_system_administrator(request)

    def has_add_permission(self, request):
        return is_system_administrator(request)

    def has_change_permission(self, request, obj=None):
        return is_system_administrator(request)

    def has_delete_permission(self, request, obj=None):
        return is_system_administrator(request)


def attempts_table(attempts) -> str:
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td>"
        "<td><code>{}</code></td></tr>",
        (
            (
                attempt.attempted_at.strftime("%Y-%m-%d %H:%M:%S"),
                attempt.delivery.event_type,
                attempt.delivery.message_id,
                attempt.status_code or "—",
                attempt.duration_ms,
                attempt.error or (_("ok") if attempt.succeeded else _("refused")),
                attempt.response_excerpt[:200],
            )
            for attempt in attempts
        ),
    )
    headers = format_html_join(
        "",
        "<th>{}</th>",
        (
            (header,)
            for header in (
                _("when"),
                _("event"),
                _("webhook-id"),
                _("status"),
                _("duration"),
                _("result"),
                _("answer (start)"),
            )
        ),
    )
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        headers,
        rows or format_html("<tr><td colspan=7>{}</td></tr>", _("No attempt yet.")),
    )


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Event types"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "active")

    def clean_url(self):
        try:
            return endpoint_url_validate(self.cleaned_data["url"])
        except EndpointInvalid as error:
            raise forms.ValidationError(str(error)) from error

    def clean_event_types(self):
        try:
            return endpoint_event_types_validate(self.cleaned_data["event_types"])
        except EndpointInvalid as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SystemAdministratorOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("url", "event_list", "active", "failing_since", "disabled_at")
    list_filter = ("active",)
    readonly_fields = (
        "secret_hint",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "recent_attempts",
    )
    actions = ("send_test_event", "redeliver_failed", "enable")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("url", "description", "event_types", "active")
        return ("url", "description", "event_types", "active", *self.readonly_fields)

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types)

    @admin.display(description=gettext_lazy("secret"))
    def secret_hint(self, endpoint: WebhookEndpoint) -> str:
        return _("%(start)s… (shown in full only when the endpoint was made)") % {
            "start": endpoint.secret[:10]
        }

    @admin.display(description=gettext_lazy("latest delivery attempts"))
    def recent_attempts(self, endpoint: WebhookEndpoint) -> str:
        return attempts_table(endpoint_attempt_list(endpoint_id=endpoint.pk))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        endpoint = webhook_endpoint_create(
            url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
            description=form.cleaned_data.get("description", ""),
            active=form.cleaned_data.get("active", True),
        )
        obj.pk = endpoint.pk
        obj.secret = endpoint.secret
        self.message_user(
            request,
            _("Signing secret of %(url)s: %(secret)s — copy it now, it is not shown again.")
            % {"url": endpoint.url, "secret": endpoint.secret},
            messages.WARNING,
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Send a test event"))
    def send_test_event(self, request, queryset: QuerySet[WebhookEndpoint]):
        for endpoint in queryset:
            webhook_test_send(endpoint_id=endpoint.pk)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Test event queued for %(count)d endpoint.",
                "Test event queued for %(count)d endpoints.",
                count,
            )
            % {"count": count},
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Redeliver failed deliveries"))
    def redeliver_failed(self, request, queryset: QuerySet[WebhookEndpoint]):
        done = sum(
            webhook_delivery_redeliver(delivery_id=pk)
            for pk in WebhookDelivery.objects.filter(endpoint__in=queryset, status="failed")
            .values_list("pk", flat=True)
            .iterator()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d failed delivery queued again.",
                "%(count)d failed deliveries queued again.",
                done,
            )
            % {"count": done},
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Enable again"))
    def enable(self, request, queryset: QuerySet[WebhookEndpoint]):
        done = sum(webhook_endpoint_enable(endpoint_id=endpoint.pk) for endpoint in queryset)
        self.message_user(
            request,
            ngettext("%(count)d endpoint enabled.", "%(count)d endpoints enabled.", done)
            % {"count": done},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SystemAdministratorOnly, admin.ModelAdmin):
    list_display = (
        "message_id",
        "event_type",
        "endpoint",
        "basket_guid",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("=message_id", "=basket_guid")
    show_full_result_count = False
    actions = ("redeliver",)
    readonly_fields = (
        "endpoint",
        "event_type",
        "basket_guid",
        "message_id",
        "payload",
        "occurred_at",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "failed_at",
        "attempt_history",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("attempts"))
    def attempt_history(self, delivery: WebhookDelivery) -> str:
        return attempts_table(delivery_attempt_list(delivery_id=delivery.pk))

    def has_redeliver_permission(self, request) -> bool:
        return is_system_administrator(request)

    @admin.action(
        permissions=["redeliver"], description=gettext_lazy("Redeliver (same webhook-id)")
    )
    def redeliver(self, request, queryset: QuerySet[WebhookDelivery]):
        done = sum(
            webhook_delivery_redeliver(delivery_id=pk)
            for pk in queryset.values_list("pk", flat=True)
        )
        refused = queryset.count() - done
        self.message_user(
            request,
            _("%(done)d queued again; %(refused)d being sent right now, left alone.")
            % {"done": done, "refused": refused},
        )
