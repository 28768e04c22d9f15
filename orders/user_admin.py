"""Users and roles in the admin, within the role rules: owners manage users, superusers own
the powers above the roles.

Owners (the auth permissions of the Owner role) add users with a first password, give them
roles (groups), staff access, and deactivate them. Only a superuser may: make anyone a
superuser, grant single permissions outside the roles, set an existing user's password (or
change someone else's email, through which a password reset could take the account), change
or delete a superuser's account, or edit the role groups themselves (they are defined in
orders/roles.py). An owner changes their own password on the admin's "Change password" page,
which asks for the old one. A user named in orders' activity is deactivated, not deleted, so
the timelines keep who did what.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Count

from orders.models import Activity

SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


class RoleRulesUserAdmin(UserAdmin):
    # The four roles are ticked, not moved between two filtered lists: Django's filter widget
    # adds help icons that misuse aria-label (axe-core: aria-prohibited-attr), and four
    # choices need no filter. Single permissions (superusers only) keep the filter widget.
    filter_horizontal = ("user_permissions",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.is_superuser:
            return fieldsets
        # Without the password field there is no link to the set-password form either.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if request.user.is_superuser:
            return readonly
        readonly += SUPERUSER_ONLY_FIELDS
        if obj is not None and obj.pk != request.user.pk:
            readonly.append("email")
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """A user named in orders' activity (who fulfilled, refunded, edited, archived) is
        kept, so every timeline still says who did what: Django lists them as protected, which
        stops the delete (one user or the bulk action); they are deactivated instead."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        acted = Activity.objects.filter(actor__in=objs).values("actor").annotate(n=Count("id"))
        names = {user.pk: user.get_username() for user in objs}
        protected = [
            *protected,
            *(
                f"{names[row['actor']]}: named in {row['n']} order activities. Deactivate "
                "the account instead (untick Active on its page): it can no longer log in "
                "and the orders keep who did what."
                for row in acted
            ),
        ]
        return deleted, counts, perms_needed, protected

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser may set another user's password.")
        return super().user_change_password(request, id, form_url)


class RoleGroupAdmin(GroupAdmin):
    """The role groups are code (orders/roles.py); only a superuser may change them."""

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


admin.site.unregister(User)
admin.site.register(User, RoleRulesUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
