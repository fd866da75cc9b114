"""PV-3 in the admin: System administrators erase a shopper (with a reason) and download
the export of what is kept about one; the erasures are listed without the erased data."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from baskets.access import PERSONAL_DATA_PERMISSION
from baskets.admin.read_only import ReadOnlyModelAdmin
from baskets.services.actors import Actor

from .exceptions import ShopperDataError
from .models import IdentityKind, ShopperErasure
from .selectors import shopper_get
from .services import shopper_erase, shopper_export

TEMPLATE = "admin/shopper_data/shoppererasure/identity_form.html"


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Shopper"), choices=IdentityKind.choices)
    value = forms.CharField(
        label=gettext_lazy("E-mail or ID"),
        max_length=254,
        help_text=gettext_lazy(
            "the guest's e-mail, the shop account's ID (GUID) or the customer account's ERP ID"
        ),
    )

    def identity(self) -> dict[str, str]:
        return {self.cleaned_data["kind"]: self.cleaned_data["value"].strip()}


class ErasureForm(IdentityForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy("why (kept with the erasure, without the erased values)"),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand this cannot be undone"),
        help_text=gettext_lazy(
            "names, e-mails, phones and addresses are replaced everywhere; orders keep "
            "their amounts"
        ),
    )


@admin.register(ShopperErasure)
class ShopperErasureAdmin(ReadOnlyModelAdmin):
    list_display = ("erased_at", "kind", "account_reference", "actor_label", "basket_count")
    readonly_fields = (
        "erased_at", "kind", "account_reference", "actor_label", "reason", "basket_guids", "rows",
    )  # fmt: skip
    show_full_result_count = False

    @admin.display(description=gettext_lazy("baskets"))
    def basket_count(self, erasure: ShopperErasure) -> int:
        return len(erasure.basket_guids)

    def has_add_permission(self, request) -> bool:
        # The add page is the erasure form: System administrators only.
        return request.user.has_perm("shopper_data.add_shoppererasure") and request.user.has_perm(
            PERSONAL_DATA_PERMISSION
        )

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="shopper_data_shoppererasure_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Shopper erasures")}
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                shopper = shopper_get(**form.identity())
            except ShopperDataError as error:
                form.add_error("value", str(error))
            else:
                erasure = shopper_erase(
                    shopper=shopper,
                    actor=Actor.staff(request.user),
                    reason=form.cleaned_data["reason"],
                )
                self.message_user(
                    request,
                    _(
                        "Shopper erased (erasure #%(erasure)s): %(baskets)s basket(s), "
                        "%(rows)s row(s) changed."
                    )
                    % {
                        "erasure": erasure.pk,
                        "baskets": len(erasure.basket_guids),
                        "rows": sum(erasure.rows.values()),
                    },
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:shopper_data_shoppererasure_changelist"))
        return self._identity_page(
            request,
            form,
            title=_("Erase a shopper"),
            intro=_("Replace one shopper's personal data everywhere by “[erased]”."),
            submit_label=_("Erase this shopper"),
        )

    def export_view(self, request):
        if not (
            request.user.has_perm("shopper_data.view_shoppererasure")
            and request.user.has_perm(PERSONAL_DATA_PERMISSION)
        ):
            raise PermissionDenied
        form = IdentityForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                shopper = shopper_get(**form.identity())
            except ShopperDataError as error:
                form.add_error("value", str(error))
            else:
                document = shopper_export(shopper=shopper)
                response = HttpResponse(
                    json.dumps(document, indent=2, ensure_ascii=False),
                    content_type="application/json; charset=utf-8",
                )
                response["Content-Disposition"] = 'attachment; filename="shopper-export.json"'
                return response
        return self._identity_page(
            request,
            form,
            title=_("Export a shopper's data"),
            intro=_("Download everything kept about one shopper as one JSON document."),
            submit_label=_("Download the export"),
        )

    def _identity_page(self, request, form, *, title, intro, submit_label):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "intro": intro,
            "form": form,
            "submit_label": submit_label,
        }
        return TemplateResponse(request, TEMPLATE, context, status=400 if form.errors else 200)
