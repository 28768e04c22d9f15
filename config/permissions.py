"""Django's model permissions read with the user, in the user's own query, instead of apart."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Concat

# The annotation that carries a user's permission names (see permissions_subquery).
PERMISSIONS_ANNOTATION = "permission_names"
# Stands for the user's id while the session user's statement is compiled (see _user_statement):
# a valid id no real user has, so the ORM compiles the lookup instead of short-cutting it.
_USER_ID_PLACEHOLDER = 2_147_480_001
# Per database alias: the session user's statement, its parameters, where the id goes and the
# fields its columns hold (the permission names follow them).
_USER_STATEMENTS: dict[str, tuple[str, tuple, list[int], list[str]]] = {}


def permissions_subquery(user: str = "pk") -> ArraySubquery:
    """The "app_label.codename" names of the permissions the user `user` (an outer reference
    to the user's id) has, directly or through a group, as an array column: annotate the
    query that reads the user with it, then hand each user to permissions_remember()."""
    # Two semi-joins (the user's own permissions, their groups'), so each permission row is
    # read once: no DISTINCT over the join of both link tables (half the planning and run time).
    user_model = get_user_model()
    own = user_model.user_permissions.through.objects.filter(
        **{user_model.user_permissions.field.m2m_field_name(): OuterRef(OuterRef(user))}
    ).values("permission_id")
    groups = Permission.group_set.through.objects.filter(
        group__user=OuterRef(OuterRef(user))
    ).values("permission_id")
    names = (
        Permission.objects.filter(Q(pk__in=own) | Q(pk__in=groups))
        .annotate(perm=Concat(F("content_type__app_label"), Value("."), F("codename")))
        .order_by()
        .values("perm")
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
        """The user with their permissions: the ORM's statement for it, compiled once per
        process and database (building it took ~1.5 ms of CPU on every request)."""
        user_model = get_user_model()
        try:
            user_id = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(user_model)
        sql, params, positions, fields = _user_statement(user_model, alias)
        values = list(params)
        for position in positions:
            values[position] = user_id
        # The row straight from a cursor into the model (a raw() queryset's machinery cost as
        # much CPU as the query on every request).
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        user = user_model.from_db(alias, fields, row[: len(fields)])
        names = row[len(fields)]
        setattr(user, PERMISSIONS_ANNOTATION, names)
        if not self.user_can_authenticate(user):
            return None
        permissions_remember(user, names)
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


def _user_statement(user_model, alias: str) -> tuple[str, tuple, list[int], list[str]]:
    """The SQL and parameters of "the user `_USER_ID_PLACEHOLDER` with their permission names"
    on database `alias` (what `.filter(pk=...).first()` runs), which parameters are the id, and
    the model fields (attnames) of its columns before the permission names, in order."""
    statement = _USER_STATEMENTS.get(alias)
    if statement is None:
        query = (
            user_model._default_manager.using(alias)
            .annotate(**{PERMISSIONS_ANNOTATION: permissions_subquery()})
            .filter(pk=_USER_ID_PLACEHOLDER)
            .order_by("pk")[:1]
            .query
        )
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        positions = [i for i, value in enumerate(params) if value == _USER_ID_PLACEHOLDER]
        fields = [column.target.attname for column, _, name in compiler.select if name is None]
        # The model's columns first, the permission names last (the ORM's order).
        assert [name for _, _, name in compiler.select][len(fields) :] == [PERMISSIONS_ANNOTATION]
        statement = _USER_STATEMENTS[alias] = (sql, tuple(params), positions, fields)
    return statement
