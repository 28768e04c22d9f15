"""Saved views of the orders list: which a user sees, saving the current one, deleting one."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, JSONObject
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
    """The orders list's saved-view tabs (saved_views_for, with their creators), and when
    `notify_default` (staff who get the bulk bar) the store's "notify the buyer" default
    read in the same query; False when not asked. The list page then costs one query for
    both instead of two."""
    if not notify_default:
        return list(saved_views_for(user)), False
    tabs = ArraySubquery(
        saved_views_for(user)
        .order_by("name", "id")
        .values(
            view=JSONObject(
                id="id",
                name="name",
                query="query",
                shared="shared",
                created_by_id="created_by_id",
                username="created_by__username",
            )
        )
    )
    # Read from the user's row, which exists, so a store without a settings row yet still
    # gets its views and the model's default in this one query.
    default = StoreSettings._meta.get_field("notify_buyer_default").get_default()
    notify_setting = StoreSettings.objects.filter(pk=STORE_SETTINGS_PK).values(
        "notify_buyer_default"
    )[:1]
    user_model = get_user_model()
    notify, items = (
        user_model.objects.filter(pk=user.pk)
        .annotate(
            notify=Coalesce(Subquery(notify_setting), Value(default)),
            tabs=tabs,
        )
        .values_list("notify", "tabs")
        .get()
    )
    views = []
    for item in items:
        creator = user_model(pk=item.pop("created_by_id"), username=item.pop("username"))
        view = SavedView(**item, created_by_id=creator.pk)
        view.created_by = creator
        views.append(view)
    return views, notify


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
