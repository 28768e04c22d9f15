"""enteredBy, "identity of the order's initiator": an order created through the API names the
API key that created it (an APP, as its webhook events do), with a stable id per key that the
query language's `enteredBy.id` finds."""

from __future__ import annotations

import uuid

from django.urls import reverse

from orders.models import ApiKey, Order
from orders.services import entered_by
from tests.conftest import api_client_for
from tests.orders.test_order_api_writes import CREATE_EXAMPLE, STORES


def created(api) -> dict:
    response = api.post(STORES, CREATE_EXAMPLE)
    assert response.status_code == 200, response.content
    return response.json()["order"]


def query_ids(api, filter_) -> set[str]:
    response = api.post(f"{STORES}/query", {"query": {"filter": filter_}})
    assert response.status_code == 200, response.content
    return {order["id"] for order in response.json()["orders"]}


def test_an_order_created_by_api_names_its_key_as_entered_by(owner_api, owner):
    first, second = created(owner_api), created(owner_api)
    other_key = api_client_for(owner)
    third = created(other_key)
    assert first["enteredBy"]["identityType"] == "APP"
    uuid.UUID(first["enteredBy"]["id"])
    # One key, one id; another key of the same user is another app.
    assert second["enteredBy"] == first["enteredBy"]
    assert third["enteredBy"]["identityType"] == "APP"
    assert third["enteredBy"]["id"] != first["enteredBy"]["id"]
    # What the create answered is what a read and the database say.
    shown = owner_api.get(f"{STORES}/{first['id']}").json()["order"]
    assert shown["enteredBy"] == first["enteredBy"]
    assert str(Order.objects.get(pk=first["id"]).entered_by_id) == first["enteredBy"]["id"]
    assert query_ids(owner_api, {"enteredBy.id": first["enteredBy"]["id"]}) == {
        first["id"],
        second["id"],
    }
    assert query_ids(owner_api, {"enteredBy.id": {"$ne": first["enteredBy"]["id"]}}) == {
        third["id"]
    }


def test_the_admin_shows_each_keys_entered_by_id(owner_api, owner_client):
    order = created(owner_api)
    key = ApiKey.objects.get()
    page = owner_client.get(reverse("admin:orders_apikey_change", args=[key.pk]))
    assert page.status_code == 200
    assert order["enteredBy"]["id"] == str(key.entered_by_id)
    assert order["enteredBy"]["id"] in page.content.decode()


def test_entered_by_without_an_api_key_is_the_user_or_nobody(owner, packer):
    by_owner, owner_type = entered_by(owner)
    assert owner_type == "USER"
    assert entered_by(owner) == (by_owner, "USER")
    assert entered_by(packer)[0] not in (None, by_owner)
    assert entered_by(None) == (None, "")
