"""A basket's page, read at a glance (CB-2): a header (status badge, stage, total, order and
invoice links, the actions the basket's status allows), grouped sections with the empty
fields left out, lines with product names, and the timeline with each event's details.

Nothing on the page is edited in place: every change is an action through a service, so
there is no Save button.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from basketops.business import business_setting

from ..access import personal_data_visible
from ..filters import additional_information_missing_q
from ..links import basket_url
from ..models import Basket, BasketEvent, Line, Order, Product, Status
from ..personal_data import (
    actor_label_shown,
    event_payload_shown,
    names_shown,
    reads,
    url_hosts_only,
)
from ..services.staff import (
    UNDELETABLE,
    additional_information_refusal,
    manage_booking_refusal,
)
from ..wording import (
    actor_text,
    codes_in_words,
    details_lines,
    key_label,
    list_text,
    value_text,
)
from .locked import locked_provider_answer_display

# Address keys in the order a postal address is written; others follow.
ADDRESS_ORDER = ("name", "company", "line1", "line2", "postcode", "city", "region", "country")

# Sections of the page: (title, fields). AC-1 (``baskets.personal_data``) decides which
# fields each user sees; a section left with none is not shown.
SECTIONS: tuple[tuple[str | Promise, tuple[str, ...]], ...] = (
    (
        _("Parties"),
        (
            "shop_account_link",
            "shop_account_email",
            "customer_display",
            "salesperson_display",
        ),
    ),
    (
        _("Purchaser and booking"),
        (
            "account_type",
            "purchaser_label",
            "purchaser_type",
            "purchaser_id",
            "booked_user_id",
            "billing_object",
            "booking_id",
        ),
    ),
    (
        _("Checkout details"),
        (
            "stage",
            "delivery_method",
            "payment_method",
            "location",
            "coupon_codes_display",
            "gift_card_codes_display",
            "user_values_display",
            "order_comment",
            "marketing_consent_display",
            "additional_information_supplied_at",
            "manage_booking_completed_at",
        ),
    ),
    (_("Addresses"), ("payment_address_display", "delivery_address_display")),
    (
        _("Payment"),
        (
            "total_display",
            "payment_reference",
            "masked_card_number",
            "payment_started_at",
            "payment_returned_at",
            "payment_result_at",
            "paid_at",
            "locked_at",
            "lock_reason",
            "hold_ended_at",
        ),
    ),
    (
        _("Completion"),
        (
            "order_display",
            "invoice_display",
            "completion_attempts",
            "last_attempt_at",
            "completion_lease_until",
            "last_error",
            "completed_at",
        ),
    ),
    (_("Timestamps"), ("created_at", "modified_at", "last_activity_at", "abandoned_at")),
)
EMPTY = (None, "", [], {}, 0)


CONSENT_POLICIES = {
    "any": _("every reachable address"),
    "consented": _("consented addresses only"),
}


def marketing_consent_describe(basket: Basket, *, with_policy: bool = True) -> str:
    """PV-1: the shopper's consent as recorded (answer, time, source) and, unless a list
    shows the policy once for all rows, the live reminder policy it is read under."""
    policy_text = ""
    if with_policy:
        policy = business_setting("REMINDER_CONSENT_POLICY")
        policy_words = _("reminder policy: %(policy)s") % {
            "policy": CONSENT_POLICIES.get(policy, policy)
        }
        policy_text = f" ({policy_words})"
    if basket.marketing_consent is None:
        return _("Not asked") + policy_text
    answer = _("Given") if basket.marketing_consent else _("Refused")
    at = (
        f" {timezone.localtime(basket.marketing_consent_at):%Y-%m-%d %H:%M}"
        if basket.marketing_consent_at
        else ""
    )
    source = (
        " " + _("via %(source)s") % {"source": basket.marketing_consent_source}
        if basket.marketing_consent_source
        else ""
    )
    return f"{answer}{at}{source}{policy_text}"


def _admin_link(name: str, pk: int, text: str) -> str:
    try:
        url = reverse(name, args=[pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def address_format(address: dict) -> str:
    """A postal address as lines, known keys first; an empty address is ""."""
    if not address:
        return ""
    keys = [key for key in ADDRESS_ORDER if address.get(key)]
    keys += sorted(key for key in address if key not in ADDRESS_ORDER and address[key])
    return format_html_join("", "{}<br>", ((address[key],) for key in keys))


def basket_order(basket: Basket) -> Order | None:
    """The basket's order with its invoice, read once per basket object: it is kept where
    Django keeps ``basket.order``, and the page shows it in several places."""
    relation = Basket.order.related
    if not relation.is_cached(basket):
        order = Order.objects.filter(basket=basket).select_related("invoice").first()
        relation.set_cached_value(basket, order)
    return relation.get_cached_value(basket)


class LineInline(admin.TabularInline):
    model = Line
    extra = 0
    can_delete = False
    fields = (
        "kind",
        "product_id",
        "product_name",
        "variant_id",
        "quantity",
        "unit_of_measure_id",
        "unit_price",
        "booked_user_id",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The name in the same query as the lines: no query per line.
        name = Product.objects.filter(pk=OuterRef("product_id")).values("name")[:1]
        return super().get_queryset(request).annotate(product_name_value=Subquery(name))

    @admin.display(description=_("product"))
    def product_name(self, line: Line) -> str:
        return getattr(line, "product_name_value", None) or _("(not in the catalogue)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TimelineDisplay:
    """A timeline entry's actor, reason and details as AC-1 lets this user see them
    (``baskets.personal_data``): URLs cut to their host for everyone; a shopper's login
    name and the shop-account GUIDs of an owner change only for those who may see
    personal data. ``timeline_fields`` picks the columns per request: Django calls a
    display function with the row only."""

    TIMELINE_PRIVATE = {"actor_label": "actor_kind", "reason": "reason_shown"}
    TIMELINE_PERSONAL = {"actor_label": "actor_shown", "reason": "reason_shown"}

    def timeline_fields(self, request, names) -> list[str]:
        personal = personal_data_visible(request.user)
        table = self.TIMELINE_PERSONAL if personal else self.TIMELINE_PRIVATE
        # A status change reads "Locked → Active", not two columns of codes.
        if "from_status" in names:
            names = [
                "status_change" if name == "from_status" else name
                for name in names
                if name != "to_status"
            ]
        shown = [table.get(name, name) for name in names]
        if "details" in shown and not personal:
            shown[shown.index("details")] = "details_without_personal_data"
        return shown

    @admin.display(description=_("status"))
    def status_change(self, event: BasketEvent) -> str:
        return event.status_change_text()

    @admin.display(description=_("actor"))
    def actor_kind(self, event: BasketEvent) -> str:
        return actor_text(actor_label_shown(event.actor_label, personal=False))

    @admin.display(description=_("actor"))
    def actor_shown(self, event: BasketEvent) -> str:
        return actor_text(event.actor_label)

    @admin.display(description=_("reason"))
    def reason_shown(self, event: BasketEvent) -> str:
        return codes_in_words(url_hosts_only(event.reason))

    @staticmethod
    def _details(payload: dict, *, personal: bool) -> str:
        shown = event_payload_shown(payload or {}, personal=personal)
        if not shown:
            return ""
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", details_lines(shown))

    @admin.display(description=_("details"))
    def details(self, event: BasketEvent) -> str:
        """The event's payload (the order number, a payment reference, ...) in words:
        "Stage: Manage booking → Payment", "Total: 10.00 EUR → 12.00 EUR"."""
        return self._details(event.payload, personal=True)

    @admin.display(description=_("details"))
    def details_without_personal_data(self, event: BasketEvent) -> str:
        return self._details(event.payload, personal=False)


class EventInline(TimelineDisplay, admin.TabularInline):
    model = BasketEvent
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "status_change", "actor_label", "reason", "details")
    ordering = ("created_at", "id")

    def get_fields(self, request, obj=None):
        return self.timeline_fields(request, self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class BasketDetailMixin:
    """The basket page for ``BasketAdmin``: sections, header, allowed actions, no Save."""

    inlines = (LineInline, EventInline)
    change_form_template = "admin/baskets/basket/change_form.html"

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return []
        personal = personal_data_visible(request.user)
        fieldsets = []
        for title, names in SECTIONS:
            shown = [
                self._shop_account_field(request) if name == "shop_account_link" else name
                for name in names_shown(Basket, self, names, personal=personal)
                if self._value(name, obj, request) not in EMPTY
            ]
            if shown:
                fieldsets.append((title, {"fields": shown}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        names = [name for _title, names in SECTIONS for name in names]
        return [*names, "shop_account_name"]

    @staticmethod
    def _shop_account_field(request) -> str:
        """BM-5: only users who may open shop accounts get the link (chosen per request)."""
        if request.user.has_perm("baskets.view_shopaccount"):
            return "shop_account_link"
        return "shop_account_name"

    def _value(self, name: str, obj: Basket, request):
        method = getattr(self, name, None)
        if method is not None:
            return method(obj)
        return getattr(obj, name)

    # --- computed fields ------------------------------------------------------------------
    @admin.display(description=_("shop account"))
    @reads("shop_account")
    def shop_account_link(self, basket: Basket) -> str:
        """BM-5: "View shop account" only when the account exists."""
        account = basket.shop_account
        if account is None:
            # BM-5: the button's place says why there is none.
            return gettext("(anonymous or deleted)")
        url = reverse("admin:baskets_shopaccount_change", args=[account.pk])
        return format_html(
            '<a href="{}">{}</a>',
            url,
            gettext("View shop account: %(name)s") % {"name": account.name},
        )

    @admin.display(description=_("shop account"))
    @reads("shop_account")
    def shop_account_name(self, basket: Basket) -> str:
        if basket.shop_account_id:
            return basket.shop_account.name
        return gettext("(anonymous or deleted)")

    @admin.display(description=_("shop account e-mail"))
    @reads("shop_account")
    def shop_account_email(self, basket: Basket) -> str:
        return basket.shop_account.email if basket.shop_account_id else ""

    @admin.display(description=_("marketing consent"))
    def marketing_consent_display(self, basket: Basket) -> str:
        # The page shows the field in two places; the live policy is read once per page.
        if not hasattr(basket, "_marketing_consent_text"):
            basket._marketing_consent_text = marketing_consent_describe(basket)
        return basket._marketing_consent_text

    @admin.display(description=_("customer account"))
    @reads("customer_account__name", "customer_account__email")
    def customer_display(self, basket: Basket) -> str:
        customer = basket.customer_account
        if customer is None:
            return ""
        email = f", {customer.email}" if customer.email else ""
        return f"{customer.name} (ERP {customer.erp_account_id}{email})"

    @admin.display(description=_("salesperson"))
    @reads("salesperson")
    def salesperson_display(self, basket: Basket) -> str:
        salesperson = basket.salesperson
        return salesperson.shop_account.name if salesperson is not None else ""

    @admin.display(description=_("payment address"))
    @reads("payment_address")
    def payment_address_display(self, basket: Basket) -> str:
        return address_format(basket.payment_address)

    @admin.display(description=_("delivery address"))
    @reads("delivery_address")
    def delivery_address_display(self, basket: Basket) -> str:
        return address_format(basket.delivery_address)

    @admin.display(description=_("coupon codes"))
    @reads("coupon_codes")
    def coupon_codes_display(self, basket: Basket) -> str:
        return list_text(basket.coupon_codes or [])

    @admin.display(description=_("gift card codes"))
    @reads("gift_card_codes")
    def gift_card_codes_display(self, basket: Basket) -> str:
        return list_text(basket.gift_card_codes or [])

    @admin.display(description=_("user values"))
    @reads("user_values")
    def user_values_display(self, basket: Basket) -> str:
        """What the shopper typed at checkout, one value a line."""
        values = basket.user_values or {}
        if not isinstance(values, dict):
            return value_text(values)
        return format_html_join(
            "", "<div>{}: {}</div>", ((key_label(k), value_text(v)) for k, v in values.items())
        )

    @admin.display(description=_("total"))
    def total_display(self, basket: Basket) -> str:
        return f"{basket.total} {basket.currency}"

    @admin.display(description=_("order"))
    def order_display(self, basket: Basket) -> str:
        order = basket_order(basket)
        return "" if order is None else _admin_link("admin:baskets_order_change", order.pk, order)

    @admin.display(description=_("invoice"))
    def invoice_display(self, basket: Basket) -> str:
        order = basket_order(basket)
        invoice = getattr(order, "invoice", None) if order is not None else None
        if invoice is None:
            return ""
        return _admin_link("admin:baskets_invoice_change", invoice.pk, invoice)

    # --- the page -------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        # Nothing is edited in place: no Save buttons.
        extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, extra)

    def delete_view(self, request, object_id, extra_context=None):
        """Baskets are deleted with a reason, from their page's Delete (an action)."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        messages.info(
            request,
            gettext("Delete the basket with its page's Delete button: it asks for a reason."),
        )
        try:
            return HttpResponseRedirect(
                reverse("admin:baskets_basket_change", args=[int(object_id)])
            )
        except (TypeError, ValueError):
            raise Http404("No such basket.") from None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The header reads the basket the form shows (one object, so its order is read once).
        if obj is not None:
            context["basket_header"] = self._header(request, obj)
            # One Delete on the page, the header's (a locked cart's: the panel's), which asks
            # for a reason; not Django's delete link, which asks for none.
            context["show_delete"] = False
            if obj.status == Status.LOCKED:
                context["locked_provider_answer"] = locked_provider_answer_display(obj)
                context["locked_places"] = self.locked_cart_places(request, obj)
                context["locked_cart_decisions"] = [
                    ("confirm_locked_carts", _("Confirm order"), False),
                    ("unlock_locked_carts", _("Unlock"), False),
                    *(
                        [("delete_locked_carts", _("Delete"), True)]
                        if self.has_delete_permission(request, obj)
                        else []
                    ),
                ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _header(self, request, basket: Basket) -> dict:
        order = basket_order(basket)
        invoice = getattr(order, "invoice", None) if order is not None else None
        may_change = self.has_change_permission(request, basket)
        actions = []
        if may_change and not manage_booking_refusal(basket):
            actions.append(("complete_manage_booking", _("Complete manage booking step")))
        missing = Basket.objects.filter(pk=basket.pk).filter(additional_information_missing_q())
        if may_change and not additional_information_refusal(basket) and missing.exists():
            actions.append(
                ("flag_additional_information", _("Flag additional information supplied"))
            )
        deletable = basket.status not in UNDELETABLE and basket.status != Status.LOCKED
        if deletable and self.has_delete_permission(request, basket):
            actions.append(("delete_baskets", _("Delete basket")))
        return {
            "status": basket.status,
            "status_label": basket.get_status_display(),
            "stage_label": basket.get_stage_display(),
            "total": f"{basket.total} {basket.currency}",
            "order": order,
            "order_url": self._url("admin:baskets_order_change", order),
            "invoice": invoice,
            "invoice_url": self._url("admin:baskets_invoice_change", invoice),
            "actions": actions,
            # RL-8: the link staff read out or paste on the phone; the recovery e-mail page
            # (abandonment's) for those who may see the shopper's address.
            "recovery_link": basket_url(basket.guid) if basket.status == Status.ACTIVE else "",
            "recovery_mail_url": (
                self._named_url("admin:abandonment_recovery_mail", basket.pk)
                if basket.status == Status.ACTIVE and personal_data_visible(request.user)
                else ""
            ),
            "line_edits": self.line_edit_offer(request, basket),
        }

    @staticmethod
    def _named_url(name: str, pk: int) -> str:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            return ""

    @staticmethod
    def _url(name: str, obj) -> str:
        if obj is None:
            return ""
        try:
            return reverse(name, args=[obj.pk])
        except NoReverseMatch:
            return ""
