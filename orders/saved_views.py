"""Saved views of the orders list: which a user sees, saving the current one, deleting one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from orders.models import SavedView
from orders.selectors import NOTIFY_DEFAULT_COLUMN, notify_default_column, notify_default_sql

# Paging and the export choice are not part of a view.
NOT_SAVED = ("page", "after", "before", "rows")
MANAGE_SHARED = "orders.delete_savedview"


def view_query(params: QueryDict, *, leave_out: Iterable[str] = NOT_SAVED) -> str:
    """The list's URL query without paging (or whatever `leave_out` names), in a stable order,
    as a saved view keeps it."""
    pairs = [
        (key, value)
        for key, values in sorted(params.lists())
        if key not in leave_out
        for value in values
        if value != ""
    ]
    return urlencode(pairs)


def saved_views_for(user) -> QuerySet[SavedView]:
    """The user's own views and every shared one, by name."""
    return SavedView.objects.filter(Q(created_by=user) | Q(shared=True)).select_related(
        "created_by"
    )


# The tabs and the notify default as the list reads them: with the page's rows when there are
# any (SAVED_VIEW_COLUMNS, two uncorrelated subqueries PostgreSQL runs once for the page),
# else by a statement of their own.
TABS_COLUMN = "saved_view_tabs"


def _tabs_sql() -> str:
    user_table = get_user_model()._meta.db_table
    # Table names from the models; every value is a parameter.
    return f"""
        SELECT COALESCE(jsonb_agg(jsonb_build_array(
                   v.id, v.name, v.query, v.shared, v.created_by_id, u.username)
                   ORDER BY v.name, v.id), '[]'::jsonb)::text
        FROM {SavedView._meta.db_table} v JOIN {user_table} u ON u.id = v.created_by_id
        WHERE v.created_by_id = %s OR v.shared
    """


def saved_view_columns(user) -> dict[str, RawSQL]:
    """Annotations that read the list's saved-view tabs and the store's notify default with
    the page's rows (orders.filters.order_listing's `page_extra`); saved_views_from_row then
    reads them from the first row. Written out rather than built by the ORM: compiling the
    ORM's version cost ~2 ms of Python on every list page, the statement ~0.1 ms."""
    return {
        TABS_COLUMN: RawSQL(_tabs_sql(), [user.pk], output_field=TextField()),
        NOTIFY_DEFAULT_COLUMN: notify_default_column(),
    }


def saved_views_from_row(row) -> tuple[list[SavedView], bool]:
    """(tabs, notify default) from a row read with saved_view_columns."""
    return _views(getattr(row, TABS_COLUMN)), getattr(row, NOTIFY_DEFAULT_COLUMN)


def saved_views_for_list(user) -> tuple[list[SavedView], bool]:
    """The orders list's saved-view tabs (saved_views_for, by name, with their creators) and
    the store's "notify the buyer" default, in one statement, when the page has no row to read
    them with (see saved_view_columns). Read where the view reads (a replica inside
    `reads_from_replica`)."""
    notify_sql, notify_params = notify_default_sql()
    with connections[SavedView.objects.all().db].cursor() as cursor:
        cursor.execute(f"SELECT ({_tabs_sql()}), {notify_sql}", [user.pk, *notify_params])
        tabs, notify = cursor.fetchone()
    return _views(tabs), notify


def _views(tabs: str) -> list[SavedView]:
    user_model = get_user_model()
    views = []
    for pk, name, query, shared, creator_pk, username in json.loads(tabs):
        view = SavedView(pk=pk, name=name, query=query, shared=shared, created_by_id=creator_pk)
        view.created_by = user_model(pk=creator_pk, username=username)
        views.append(view)
    return views


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
        # One save per user at a time: a double-clicked "Save" (two requests at once) would
        # otherwise insert the name twice, and every later save of it failed (two rows where
        # one was expected).
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk"))
        taken = SavedView.objects.filter(name__iexact=name, shared=True).exclude(created_by=user)
        if shared and taken.exists():
            raise SavedViewError(f"A shared view named “{name}” exists already.")
        same = list(SavedView.objects.filter(created_by=user, name=name).order_by("pk"))
        if not same:
            return SavedView.objects.create(created_by=user, name=name, query=query, shared=shared)
        view, *doubles = same
        view.query, view.shared = query, shared
        view.save(update_fields=["query", "shared"])
        # Doubles saved before saves were one at a time.
        SavedView.objects.filter(pk__in=[double.pk for double in doubles]).delete()
    return view


def saved_view_delete(*, view: SavedView, user) -> None:
    if not saved_view_can_delete(view, user):
        raise SavedViewError("Only its creator or an owner may delete this view.")
    view.delete()
