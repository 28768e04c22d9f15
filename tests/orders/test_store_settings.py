"""The store's settings: defaults, the owner's settings page, permissions, the admin."""

from __future__ import annotations

import pytest

from orders.models import StoreSettings
from orders.selectors import store_settings_get
from orders.services import OrderError, store_settings_update


def test_store_settings_defaults_created_on_first_read(db):
    assert not StoreSettings.objects.exists()
    row = store_settings_get()
    assert row.pk == 1
    assert row.require_item_scan is False
    assert row.notify_buyer_default is True
    assert row.store_name
    assert StoreSettings.objects.count() == 1
    assert store_settings_get().pk == row.pk


def test_store_settings_update_records_who(owner):
    row = store_settings_update(
        store_name="  Ada's Shop ", require_item_scan=True, notify_buyer_default=False, actor=owner
    )
    fresh = StoreSettings.objects.get()
    assert (fresh.store_name, fresh.require_item_scan, fresh.notify_buyer_default) == (
        "Ada's Shop",
        True,
        False,
    )
    assert fresh.updated_by == owner
    assert row.last_updated == fresh.last_updated


def test_store_settings_update_refuses_empty_name(owner):
    store_settings_get()
    with pytest.raises(OrderError) as error:
        store_settings_update(
            store_name="  ", require_item_scan=True, notify_buyer_default=False, actor=owner
        )
    assert error.value.field == "store_name"
    assert StoreSettings.objects.get().require_item_scan is False


def test_settings_page_owner_saves(owner_client, owner):
    page = owner_client.get("/settings/")
    assert page.status_code == 200
    assert "Store settings" in page.content.decode()
    response = owner_client.post(
        "/settings/", {"store_name": "Bench Co", "require_item_scan": "on"}, follow=True
    )
    assert response.status_code == 200
    assert "Settings saved." in response.content.decode()
    row = StoreSettings.objects.get()
    assert row.store_name == "Bench Co"
    assert row.require_item_scan is True
    # An unticked box posts nothing: the default is turned off.
    assert row.notify_buyer_default is False


def test_settings_page_bad_input_changes_nothing(owner_client):
    response = owner_client.post("/settings/", {"store_name": "", "require_item_scan": "on"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert store_settings_get().require_item_scan is False


@pytest.mark.parametrize("client_name", ["packer_client", "viewer_client", "support_client"])
def test_settings_page_only_for_owners(request, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get("/settings/").status_code == 403
    assert client.post("/settings/", {"store_name": "X"}).status_code == 403
    assert store_settings_get().store_name != "X"


def test_settings_in_the_owners_nav_only(owner_client, packer_client):
    assert 'href="/settings/"' in owner_client.get("/orders/").content.decode()
    assert 'href="/settings/"' not in packer_client.get("/orders/").content.decode()


def test_settings_admin_saves_through_the_service(owner_client, owner):
    listing = owner_client.get("/admin/orders/storesettings/")
    assert listing.status_code == 302
    response = owner_client.post(
        listing.url, {"store_name": "Admin Co", "notify_buyer_default": "on"}, follow=True
    )
    assert response.status_code == 200
    row = StoreSettings.objects.get()
    assert row.store_name == "Admin Co"
    assert row.updated_by == owner
