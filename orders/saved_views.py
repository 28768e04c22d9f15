"""Saved views of the orders list: which a user sees, saving the current one, deleting one."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict

from orders.models import STORE_SETTINGS_PK, SavedView, StoreSettings

# Paging and the export choice are not part of a view.
NOT_SAVED = ("page", "after", "before", "rows")
MANAGE_SHARED = "orders.delete_savedview"


def view_query(params: QueryDict) -> str:
    """The list's URL query without paging, in a stable order, as a saved view keeps it."""
    pairs = [
        (key, value)
        for key, values in sorted(params.lists())
        if key not in NOT_SAVED
        for value in values
        if value != ""
    ]
    return urlencode(pairs)


def saved_views_for(user) -> QuerySet[SavedView]:
    """The user's own views and every shared one, by name."""
    return SavedView.objects.filter(Q(created_by=user) | Q(shared=True)).select_related(
        "created_by"
    )


def saved_views_for_list(user, *, notify_default: bool) -> tuple[list[SavedView], bool]:
    """The orders list's saved-view tabs (saved_views_for, by name, with their creators), and
    when `notify_default` (staff who get the bulk bar) the store's "notify the buyer" default
    read in the same query; False when not asked.

    One statement written out rather than built by the ORM: every list page runs it, and
    compiling the ORM's version (a JSON array subquery and a settings subquery) cost ~2 ms of
    the page's Python time, the statement itself ~0.1 ms. Read where the view reads (a
    replica inside `reads_from_replica`)."""
    view_table = SavedView._meta.db_table
    user_model = get_user_model()
    default = StoreSettings._meta.get_field("notify_buyer_default").get_default()
    sql = f"""
        SELECT notify.value, v.id, v.name, v.query, v.shared, v.created_by_id, u.username
        FROM (SELECT COALESCE(
                (SELECT notify_buyer_default FROM {StoreSettings._meta.db_table} WHERE id = %s),
                %s) AS value) notify
        LEFT JOIN ({view_table} v JOIN {user_model._meta.db_table} u ON u.id = v.created_by_id)
            ON v.created_by_id = %s OR v.shared
        ORDER BY v.name, v.id
    """  # table names from the models; every value is a parameter
    with connections[SavedView.objects.all().db].cursor() as cursor:
        cursor.execute(sql, [STORE_SETTINGS_PK, default, user.pk])
        rows = cursor.fetchall()
    views = []
    for _, pk, name, query, shared, creator_pk, username in rows:
        if pk is None:  # no view: the one row carries only the setting
            continue
        view = SavedView(pk=pk, name=name, query=query, shared=shared, created_by_id=creator_pk)
        view.created_by = user_model(pk=creator_pk, username=username)
        views.append(view)
    return views, bool(rows[0][0]) if notify_default else False


def saved_view_can_delete(view: SavedView, user) -> bool:
    return view.created_by_id == user.pk or (view.shared and user.has_perm(MANAGE_SHARED))


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=60, label="Name")
    shared = forms.BooleanField(required=False, label="Share with everyone in the store")
    query = forms.CharField(max_length=4000, required=False, widget=forms.HiddenInput)


class SavedViewError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def saved_view_save(*, user, name: str, query: str, shared: bool) -> SavedView:
    """Save (or overwrite) the user's view of that name; a shared name taken by someone else's
    shared view is refused."""
    name = name.strip()
    with transaction.atomic():
        taken = SavedView.objects.filter(name__iexact=name, shared=True).exclude(created_by=user)
        if shared and taken.exists():
            raise SavedViewError(f"A shared view named “{name}” exists already.")
        view, _ = SavedView.objects.update_or_create(
            created_by=user, name=name, defaults={"query": query, "shared": shared}
        )
    return view


def saved_view_delete(*, view: SavedView, user) -> None:
    if not saved_view_can_delete(view, user):
        raise SavedViewError("Only its creator or an owner may delete this view.")
    view.delete()
