"""Saved views of the orders list: which a user sees, saving the current one, deleting one."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import QueryDict

from orders.models import SavedView

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
