"""Staff users and their roles (BM-4, AC-1): System administrators manage them without being
superusers, and can give no one more than they hold themselves.

A non-superuser cannot make anyone (themselves included) a superuser, cannot grant single
permissions, can give only roles (groups) whose every permission they hold, and cannot
change, delete or reset the password of a superuser.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ..roles import CLIENT_GROUPS

# What only a superuser sets on a user.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")
# The user form's two kinds of group, shown apart.
STAFF_ROLES_LABEL = _("Staff roles (what the user may do in the back office)")
CLIENT_GROUPS_LABEL = _("API client groups (only for accounts a storefront or provider uses)")


def permissions_held(user) -> list[int]:
    """Ids of the permissions ``user`` holds, directly or through a role."""
    direct = Permission.objects.filter(user=user).values_list("pk", flat=True)
    through_roles = Permission.objects.filter(group__user=user).values_list("pk", flat=True)
    return sorted(set(direct) | set(through_roles))


def roles_grantable(user):
    """The roles ``user`` may give: every one for a superuser, else those whose every
    permission ``user`` holds."""
    if user.is_superuser:
        return Group.objects.all()
    beyond = Permission.objects.filter(group=OuterRef("pk")).exclude(pk__in=permissions_held(user))
    return Group.objects.exclude(Exists(beyond))


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": _without(options["fields"], SUPERUSER_ONLY_FIELDS)})
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name != "groups":
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        grantable = roles_grantable(request.user).order_by("name")
        kwargs.update(queryset=grantable, widget=forms.CheckboxSelectMultiple)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        field.label = _("Roles and API client groups")
        field.help_text = _(
            "Staff get a staff role; an API client group only goes to an account a storefront, "
            "a payment provider or a status reader uses through the API."
        )
        roles = [(group.pk, group.name) for group in grantable]
        field.choices = [
            (label, shown)
            for label, shown in (
                (STAFF_ROLES_LABEL, [r for r in roles if r[1] not in CLIENT_GROUPS]),
                (CLIENT_GROUPS_LABEL, [r for r in roles if r[1] in CLIENT_GROUPS]),
            )
            if shown
        ]
        return field

    def _touches_a_superuser(self, request, obj) -> bool:
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        if self._touches_a_superuser(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self._touches_a_superuser(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # The bulk delete asks this, not has_delete_permission, for each user: a superuser
        # among them is named as not deletable and nothing is deleted.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser and any(user.is_superuser for user in objs):
            perms_needed = {*perms_needed, "superuser"}
        return deleted, model_count, perms_needed, protected

    def save_related(self, request, form, formsets, change):
        # A role given before (by a superuser) that this user may not give stays as it was:
        # the form only offered the grantable ones.
        kept = set()
        if change and not request.user.is_superuser:
            grantable = set(roles_grantable(request.user).values_list("pk", flat=True))
            kept = {g.pk for g in form.instance.groups.all() if g.pk not in grantable}
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)


def _without(fields, names) -> tuple:
    return tuple(field for field in fields if field not in names)
