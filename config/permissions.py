"""Django's model permissions read with the user, in the user's own query, instead of apart."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Concat

# The annotation that carries a user's permission names (see permissions_subquery).
PERMISSIONS_ANNOTATION = "permission_names"


def permissions_subquery(user: str = "pk") -> ArraySubquery:
    """The "app_label.codename" names of the permissions the user `user` (an outer reference
    to the user's id) has, directly or through a group, as an array column: annotate the
    query that reads the user with it, then hand each user to permissions_remember()."""
    names = (
        Permission.objects.filter(Q(user=OuterRef(user)) | Q(group__user=OuterRef(user)))
        .annotate(perm=Concat(F("content_type__app_label"), Value("."), F("codename")))
        .order_by()
        .values("perm")
        .distinct()
    )
    return ArraySubquery(names)


def permissions_remember(user, names: Iterable[str] | None) -> None:
    """Keep the names read by permissions_subquery() as the user's permission cache, so
    `has_perm` asks nothing more. A superuser's cache is left alone (Django answers every
    check for an active superuser without it)."""
    if names is not None and not user.is_superuser:
        user._perm_cache = set(names)


class ModelPermissionsBackend(ModelBackend):
    """ModelBackend that reads the session's user and their permissions (own and their
    groups') in one query (ModelBackend runs three: the user, then one for each kind of
    permission); authentication and every rule are unchanged."""

    def get_user(self, user_id):
        user_model = get_user_model()
        user = (
            user_model._default_manager.annotate(**{PERMISSIONS_ANNOTATION: permissions_subquery()})
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        permissions_remember(user, getattr(user, PERMISSIONS_ANNOTATION))
        return user

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).distinct()
            }
        return user_obj._perm_cache
