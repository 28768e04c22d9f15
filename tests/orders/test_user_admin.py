"""Users and role groups in the admin follow the role rules: owners manage users, only a
superuser holds the powers above the roles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User

from fulfillments.services import fulfillment_create
from tests.conftest import client_for, make_user


@pytest.fixture
def boss(db) -> User:
    return User.objects.create_superuser(username="boss", password="pass-boss")


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        **changes,
    }
    return {key: value for key, value in data.items() if value != ""}


def test_owner_cannot_make_themselves_superuser(owner, owner_client):
    response = owner_client.post(
        f"/admin/auth/user/{owner.pk}/change/",
        user_form(owner, is_superuser="on", first_name="Olive"),
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.first_name == "Olive"
    assert not owner.is_superuser
    page = owner_client.get(f"/admin/auth/user/{owner.pk}/change/").text
    assert 'name="is_superuser"' not in page


def test_owner_cannot_grant_single_permissions(owner, packer, owner_client):
    perm = Permission.objects.get(codename="manage_payments")
    response = owner_client.post(
        f"/admin/auth/user/{packer.pk}/change/", user_form(packer, user_permissions=[perm.pk])
    )
    assert response.status_code == 302
    assert not packer.user_permissions.exists()


def test_owner_cannot_set_other_users_passwords(owner, packer, owner_client):
    url = f"/admin/auth/user/{packer.pk}/password/"
    assert owner_client.get(url).status_code == 403
    response = owner_client.post(
        url,
        {"password1": "taken-over-1234", "password2": "taken-over-1234", "usable_password": "true"},
    )
    assert response.status_code == 403
    packer.refresh_from_db()
    assert packer.check_password("pass-packer")
    assert url not in owner_client.get(f"/admin/auth/user/{packer.pk}/change/").text


def test_owner_cannot_change_another_users_email(owner, packer, owner_client):
    owner_client.post(
        f"/admin/auth/user/{packer.pk}/change/", user_form(packer, email="owner@evil.example")
    )
    packer.refresh_from_db()
    assert packer.email == ""


def test_owner_manages_roles_and_access(owner, viewer, owner_client):
    support_group = Group.objects.get(name="Support")
    response = owner_client.post(
        f"/admin/auth/user/{viewer.pk}/change/",
        user_form(viewer, groups=[str(support_group.pk)], is_staff="on", is_active=""),
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert list(viewer.groups.all()) == [support_group]
    assert viewer.is_staff
    assert not viewer.is_active


def test_owner_adds_a_user_with_a_first_password(owner, owner_client):
    response = owner_client.post(
        "/admin/auth/user/add/",
        {
            "username": "newpacker",
            "usable_password": "true",
            "password1": "first-pass-4321",
            "password2": "first-pass-4321",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="newpacker")
    assert created.check_password("first-pass-4321")
    assert not created.is_superuser


def test_owner_cannot_change_or_delete_a_superuser(owner_client, boss):
    assert owner_client.get(f"/admin/auth/user/{boss.pk}/change/").status_code == 200
    response = owner_client.post(
        f"/admin/auth/user/{boss.pk}/change/", user_form(boss, is_active="")
    )
    assert response.status_code == 403
    assert (
        owner_client.post(f"/admin/auth/user/{boss.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    response = owner_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [str(boss.pk)], "post": "yes"},
    )
    boss.refresh_from_db()
    assert boss.is_active


def test_a_user_named_in_order_activity_is_deactivated_not_deleted(
    owner_client, packer, viewer, order_factory
):
    """Deleting a packer who fulfilled orders would blank the actor of their timeline entries;
    the admin keeps them (single delete and bulk), says why and what to do instead."""
    order = order_factory()
    fulfillment_create(order=order, lines=[(1, 1)], tracking={}, actor=packer)
    url = f"/admin/auth/user/{packer.pk}/delete/"
    page = owner_client.get(url)
    assert "named in 1 order activities" in page.text and "Deactivate" in page.text
    owner_client.post(url, {"post": "yes"})
    owner_client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [str(packer.pk)], "post": "yes"},
    )
    assert User.objects.filter(pk=packer.pk).exists()
    assert order.activities.filter(actor=packer).count() == 1
    # Someone who never acted on an order is deleted as before.
    response = owner_client.post(f"/admin/auth/user/{viewer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=viewer.pk).exists()


def test_owner_cannot_edit_role_groups(owner_client):
    support_group = Group.objects.get(name="Support")
    before = set(support_group.permissions.values_list("pk", flat=True))
    response = owner_client.post(
        f"/admin/auth/group/{support_group.pk}/change/",
        {
            "name": "Support",
            "permissions": [str(pk) for pk in Permission.objects.values_list("pk", flat=True)],
        },
    )
    assert response.status_code == 403
    assert set(support_group.permissions.values_list("pk", flat=True)) == before
    assert owner_client.get("/admin/auth/group/add/").status_code == 403


def test_superuser_keeps_every_power(boss, db):
    packer = make_user("packer")
    client = client_for(boss)
    page = client.get(f"/admin/auth/user/{packer.pk}/change/").text
    assert 'name="is_superuser"' in page
    response = client.post(
        f"/admin/auth/user/{packer.pk}/password/",
        {
            "password1": "reset-by-boss-99",
            "password2": "reset-by-boss-99",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    packer.refresh_from_db()
    assert packer.check_password("reset-by-boss-99")
