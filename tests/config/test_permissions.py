"""The session's user is read with their permissions in one query from a statement compiled once
per process: each request still sees the user's current permissions and state."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.permissions import ModelPermissionsBackend


def test_the_user_comes_with_their_permissions_in_one_query(packer):
    backend = ModelPermissionsBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(packer.pk)
        assert user == packer
        assert user.has_perm("fulfillments.add_fulfillment")
        assert not user.has_perm("orders.change_storesettings")
    assert len(queries) == 1


def test_every_read_sees_the_current_permissions_and_state(packer):
    backend = ModelPermissionsBackend()
    assert backend.get_user(packer.pk).has_perm("fulfillments.add_fulfillment")
    packer.groups.clear()
    assert not backend.get_user(packer.pk).has_perm("fulfillments.add_fulfillment")
    packer.groups.add(Group.objects.get(name="Owner"))
    assert backend.get_user(packer.pk).has_perm("orders.change_storesettings")
    packer.is_active = False
    packer.save(update_fields=["is_active"])
    assert backend.get_user(packer.pk) is None


def test_an_unknown_or_malformed_id_is_nobody(packer):
    backend = ModelPermissionsBackend()
    assert backend.get_user(packer.pk + 1000) is None
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(str(packer.pk)) == packer
